namespace AdvScan.Checks.Corruptions;

/// <summary>Zooms, box resizing and motion blur, in the conventions of the libraries the reference code calls.</summary>
public static class Resampling
{
    /// <summary>
    /// The reference's clipped zoom: the centre crop of ceil(n / z) pixels per axis (top at (n - crop) / 2, rounded
    /// down) is magnified by scipy.ndimage.zoom (order 1: output pixel o reads input o (in - 1) / (out - 1), out =
    /// round(crop z)) and the middle n pixels are kept (from (out - n) / 2, rounded down). Magnifies about the centre.
    /// </summary>
    public static void ClippedZoom(ReadOnlySpan<float> plane, Span<float> into, int height, int width, double factor)
    {
        // The zoom is separable: each output row reads two input rows, each output column two input columns.
        var rows = Taps(height, factor);
        var columns = Taps(width, factor);
        for (int y = 0; y < height; y++)
        {
            var (y0, y1, fy) = rows[y];
            var a = plane.Slice(y0 * width, width);
            var b = plane.Slice(y1 * width, width);
            for (int x = 0; x < width; x++)
            {
                var (x0, x1, fx) = columns[x];
                float top = a[x0] + (float)fx * (a[x1] - a[x0]), bottom = b[x0] + (float)fx * (b[x1] - b[x0]);
                into[y * width + x] = top + (float)fy * (bottom - top);
            }
        }
    }

    /// <summary>For each output index along one axis, the two input indices it blends and the weight of the second.</summary>
    private static (int, int, double)[] Taps(int n, double factor)
    {
        var ((offset, trim), scale) = ZoomAxis(n, factor);
        var taps = new (int, int, double)[n];
        for (int i = 0; i < n; i++)
        {
            double source = offset + (i + trim) * scale;
            int low = Math.Clamp((int)Math.Floor(source), 0, n - 1), high = Math.Min(low + 1, n - 1);
            taps[i] = (low, high, Math.Clamp(source - low, 0, 1));
        }
        return taps;
    }

    /// <summary>Where output pixel 0 reads (crop offset, zoomed-index trim) and the input step per output pixel, along one axis.</summary>
    private static ((int Offset, int Trim), double Scale) ZoomAxis(int n, double factor)
    {
        int crop = (int)Math.Ceiling(n / factor);
        int top = (n - crop) / 2;
        int zoomed = (int)Math.Round(crop * factor, MidpointRounding.ToEven);
        int trim = (zoomed - n) / 2;
        double scale = zoomed > 1 ? (crop - 1) / (double)(zoomed - 1) : 0;
        return ((top, trim), scale);
    }

    /// <summary>
    /// Pillow's BOX resampling along both axes (<c>Image.resize(..., Image.BOX)</c>): output pixel i of a line covers
    /// input coordinates (i s, (i + 1) s] with s = in / out, and averages, with equal weights, the input pixels whose
    /// centres fall in that span (one pixel, the one under its centre, when enlarging). The span is open at its start
    /// as in current Pillow (older releases closed it there and could leave a pixel without input when enlarging).
    /// </summary>
    public static float[] Box(ReadOnlySpan<float> plane, int height, int width, int newHeight, int newWidth)
    {
        var columns = BoxWeights(width, newWidth);
        var rows = BoxWeights(height, newHeight);
        var horizontal = new float[height * newWidth];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < newWidth; x++)
            {
                double sum = 0;
                foreach (var (j, w) in columns[x]) sum += w * plane[y * width + j];
                horizontal[y * newWidth + x] = (float)sum;
            }
        var result = new float[newHeight * newWidth];
        for (int y = 0; y < newHeight; y++)
            for (int x = 0; x < newWidth; x++)
            {
                double sum = 0;
                foreach (var (j, w) in rows[y]) sum += w * horizontal[j * newWidth + x];
                result[y * newWidth + x] = (float)sum;
            }
        return result;
    }

    /// <summary>
    /// Pillow's resampling coefficients for the box filter (support 1/2, widened by the scale when shrinking), with the
    /// boundary decided in whole numbers: Pillow computes it in floating point, where a centre exactly on a boundary
    /// (11.5 on 10 x 1.15) falls either way by a rounding error.
    /// </summary>
    internal static (int Index, double Weight)[][] BoxWeights(int inSize, int outSize)
    {
        var result = new (int, double)[outSize][];
        for (int i = 0; i < outSize; i++)
        {
            var taps = new List<int>();
            for (int j = 0; j < inSize; j++)
            {
                // Shrinking: input centre j + 1/2 in (i s, (i + 1) s]; enlarging: j in (c - 1, c] for the output centre c = (i + 1/2) s.
                long twiceCentre = (2L * j + 1) * outSize;
                bool inside = inSize >= outSize
                    ? twiceCentre > 2L * i * inSize && twiceCentre <= 2L * (i + 1) * inSize
                    : 2L * j * outSize <= (2L * i + 1) * inSize && 2L * j * outSize > (2L * i + 1) * inSize - 2L * outSize;
                if (inside) taps.Add(j);
            }
            result[i] = taps.Select(j => (j, 1.0 / taps.Count)).ToArray();
        }
        return result;
    }

    /// <summary>
    /// ImageMagick's MotionBlurImage(radius, sigma, angle): a one-sided Gaussian of 2 ceil(radius) + 1 taps,
    /// exp(-i^2 / 2 sigma^2) normalised, laid along the angle (tap i reads the pixel ceil(i cos a - 0.5) columns and
    /// ceil(i sin a - 0.5) rows away), edge pixels repeated past the border. Blurs one plane into a new array.
    /// </summary>
    public static float[] MotionBlur(ReadOnlySpan<float> plane, int height, int width, double radius, double sigma, double angleDegrees)
    {
        int taps = radius > 1e-12 ? 2 * (int)Math.Ceiling(radius) + 1 : 3;
        sigma = Math.Max(Math.Abs(sigma), 1e-12);
        var kernel = new double[taps];
        double total = 0;
        for (int i = 0; i < taps; i++) total += kernel[i] = Math.Exp(-(double)i * i / (2 * sigma * sigma));
        double a = angleDegrees * Math.PI / 180, cos = Math.Cos(a), sin = Math.Sin(a);
        var dx = new int[taps];
        var dy = new int[taps];
        for (int i = 0; i < taps; i++)
        {
            kernel[i] /= total;
            dx[i] = (int)Math.Ceiling(i * cos - 0.5);
            dy[i] = (int)Math.Ceiling(i * sin - 0.5);
        }
        var sparse = Enumerable.Range(0, taps).Select(i => (dy[i], dx[i], (float)kernel[i])).ToList();
        var result = Filters.Correlate(plane, height, width, sparse, Border.Nearest);
        return result;
    }
}
