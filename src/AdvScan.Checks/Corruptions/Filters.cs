namespace AdvScan.Checks.Corruptions;

/// <summary>
/// How a filter reads past the edge, in the conventions of the libraries the reference code calls: scipy/skimage's
/// <c>nearest</c> (repeat the edge) and <c>reflect</c> (half-sample symmetric: d c b a | a b c d), OpenCV's default
/// <c>BORDER_REFLECT_101</c> (whole-sample symmetric: d c b | a b c d), and zeros.
/// </summary>
public enum Border { Nearest, Reflect, Reflect101, Zero }

/// <summary>Linear filters on picture planes: separable Gaussian, 2-D correlation, and index folding at borders.</summary>
public static class Filters
{
    /// <summary>The index an out-of-range <paramref name="i"/> reads under <paramref name="border"/>; -1 for a zero.</summary>
    public static int Fold(int i, int n, Border border)
    {
        if ((uint)i < (uint)n) return i;
        switch (border)
        {
            case Border.Nearest: return i < 0 ? 0 : n - 1;
            case Border.Zero: return -1;
            case Border.Reflect:
            {
                int period = 2 * n;
                int m = ((i % period) + period) % period;
                return m < n ? m : period - 1 - m;
            }
            default:
            {
                if (n == 1) return 0;
                int period = 2 * n - 2;
                int m = ((i % period) + period) % period;
                return m < n ? m : period - m;
            }
        }
    }

    /// <summary>
    /// scipy's (and skimage's) Gaussian kernel: radius int(truncate * sigma + 0.5), weights exp(-x^2 / 2 sigma^2)
    /// normalised to sum 1.
    /// </summary>
    public static double[] GaussianKernel(double sigma, double truncate)
    {
        int radius = (int)(truncate * sigma + 0.5);
        var kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int x = -radius; x <= radius; x++) sum += kernel[x + radius] = Math.Exp(-0.5 * x * x / (sigma * sigma));
        for (int i = 0; i < kernel.Length; i++) kernel[i] /= sum;
        return kernel;
    }

    /// <summary>OpenCV's getGaussianKernel for a positive sigma: exp(-(i - (k-1)/2)^2 / 2 sigma^2), normalised.</summary>
    public static double[] OpenCvGaussianKernel(int size, double sigma)
    {
        var kernel = new double[size];
        double sum = 0, centre = (size - 1) / 2.0;
        for (int i = 0; i < size; i++) sum += kernel[i] = Math.Exp(-(i - centre) * (i - centre) / (2 * sigma * sigma));
        for (int i = 0; i < size; i++) kernel[i] /= sum;
        return kernel;
    }

    /// <summary>skimage.filters.gaussian on every plane (mode 'nearest', truncate 4 by default): the same sigma along both axes.</summary>
    public static void Gaussian(Picture picture, double sigma, Border border = Border.Nearest, double truncate = 4)
    {
        if (sigma <= 0) return;
        var kernel = GaussianKernel(sigma, truncate);
        for (int c = 0; c < picture.Channels; c++) Separable(picture.Plane(c), picture.Height, picture.Width, kernel, kernel, border);
    }

    /// <summary>The same on one plane of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public static void Gaussian(Span<float> plane, int height, int width, double sigma, Border border, double truncate = 4)
    {
        if (sigma <= 0) return;
        var kernel = GaussianKernel(sigma, truncate);
        Separable(plane, height, width, kernel, kernel, border);
    }

    /// <summary>Correlates a plane with a separable kernel (rows, then columns), in place.</summary>
    public static void Separable(Span<float> plane, int height, int width, double[] alongRows, double[] alongColumns, Border border)
    {
        var line = new double[Math.Max(height, width)];
        var weightsX = Folded(alongRows, width, border);
        var weightsY = Folded(alongColumns, height, border);
        for (int y = 0; y < height; y++) Apply(plane.Slice(y * width, width), 1, width, weightsX, line);
        for (int x = 0; x < width; x++) Apply(plane[x..], width, height, weightsY, line);
    }

    /// <summary>
    /// A 1-D kernel as the sparse weights each output index takes from the input indices, borders folded in: a kernel
    /// wider than the line (elastic's sigma of 170 px on a 224 px image) then costs the line's length, not the kernel's.
    /// </summary>
    private static (int Index, double Weight)[][] Folded(double[] kernel, int n, Border border)
    {
        int radius = kernel.Length / 2;
        var rows = new (int, double)[n][];
        var sums = new double[n];
        var touched = new bool[n];
        var used = new List<int>();
        for (int i = 0; i < n; i++)
        {
            used.Clear();
            for (int t = -radius; t <= radius; t++)
            {
                int j = Fold(i + t, n, border);
                if (j < 0) continue;
                if (!touched[j]) { touched[j] = true; used.Add(j); }
                sums[j] += kernel[t + radius];
            }
            used.Sort();
            rows[i] = used.Select(j => (j, sums[j])).ToArray();
            foreach (var j in used) { sums[j] = 0; touched[j] = false; }
        }
        return rows;
    }

    private static void Apply(Span<float> data, int stride, int n, (int Index, double Weight)[][] weights, double[] line)
    {
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            foreach (var (j, w) in weights[i]) sum += w * data[j * stride];
            line[i] = sum;
        }
        for (int i = 0; i < n; i++) data[i * stride] = (float)line[i];
    }

    /// <summary>
    /// OpenCV's filter2D: out(y, x) = sum of kernel(dy, dx) * in(y + dy - ay, x + dx - ax) (correlation, anchor at the
    /// kernel's centre), on one plane, into a new array.
    /// </summary>
    public static float[] Correlate(ReadOnlySpan<float> plane, int height, int width, double[,] kernel, Border border = Border.Reflect101)
    {
        int kh = kernel.GetLength(0), kw = kernel.GetLength(1);
        var taps = new List<(int Dy, int Dx, float W)>();
        for (int dy = 0; dy < kh; dy++)
            for (int dx = 0; dx < kw; dx++)
                if (kernel[dy, dx] != 0) taps.Add((dy - kh / 2, dx - kw / 2, (float)kernel[dy, dx]));
        return Correlate(plane, height, width, taps, border);
    }

    /// <summary>
    /// out(y, x) = sum of w * in(y + dy, x + dx) over the taps, into a new array. The plane is copied once with its
    /// border around it, and each tap adds a shifted row at a time with SIMD, so a 21 x 21 defocus disk or a 41-tap
    /// motion blur costs a few vector operations per pixel.
    /// </summary>
    public static float[] Correlate(ReadOnlySpan<float> plane, int height, int width, IReadOnlyList<(int Dy, int Dx, float W)> taps, Border border)
    {
        int top = Math.Max(0, -taps.Min(t => t.Dy)), bottom = Math.Max(0, taps.Max(t => t.Dy));
        int left = Math.Max(0, -taps.Min(t => t.Dx)), right = Math.Max(0, taps.Max(t => t.Dx));
        int pw = width + left + right, ph = height + top + bottom;
        var padded = new float[ph * pw];
        for (int y = 0; y < ph; y++)
        {
            int sy = Fold(y - top, height, border);
            for (int x = 0; x < pw; x++)
            {
                int sx = Fold(x - left, width, border);
                padded[y * pw + x] = sy < 0 || sx < 0 ? 0 : plane[sy * width + sx];
            }
        }
        var result = new float[height * width];
        foreach (var (dy, dx, w) in taps)
            for (int y = 0; y < height; y++)
                AddScaled(result.AsSpan(y * width, width), padded.AsSpan((y + top + dy) * pw + left + dx, width), w);
        return result;
    }

    /// <summary>into += weight * from, element by element.</summary>
    internal static void AddScaled(Span<float> into, ReadOnlySpan<float> from, float weight)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int lanes = System.Numerics.Vector<float>.Count;
            var w = new System.Numerics.Vector<float>(weight);
            for (; i <= into.Length - lanes; i += lanes)
                (new System.Numerics.Vector<float>(into[i..]) + w * new System.Numerics.Vector<float>(from[i..])).CopyTo(into[i..]);
        }
        for (; i < into.Length; i++) into[i] += weight * from[i];
    }

    /// <summary>OpenCV's blur (a normalised 3x3 box, BORDER_REFLECT_101) on one plane, into a new array.</summary>
    public static float[] Box3(ReadOnlySpan<float> plane, int height, int width)
    {
        var box = new double[3, 3];
        for (int y = 0; y < 3; y++) for (int x = 0; x < 3; x++) box[y, x] = 1 / 9.0;
        return Correlate(plane, height, width, box);
    }

    /// <summary>A bilinear read of a plane at (y, x), with <paramref name="border"/> for the neighbours outside.</summary>
    public static float Bilinear(ReadOnlySpan<float> plane, int height, int width, double y, double x, Border border)
    {
        int y0 = (int)Math.Floor(y), x0 = (int)Math.Floor(x);
        double fy = y - y0, fx = x - x0;
        int ya = Fold(y0, height, border), yb = Fold(y0 + 1, height, border);
        int xa = Fold(x0, width, border), xb = Fold(x0 + 1, width, border);
        double a = ya < 0 || xa < 0 ? 0 : plane[ya * width + xa], b = ya < 0 || xb < 0 ? 0 : plane[ya * width + xb];
        double c = yb < 0 || xa < 0 ? 0 : plane[yb * width + xa], d = yb < 0 || xb < 0 ? 0 : plane[yb * width + xb];
        double top = a * (1 - fx) + b * fx;
        double bottom = c * (1 - fx) + d * fx;
        return (float)(top * (1 - fy) + bottom * fy);
    }
}
