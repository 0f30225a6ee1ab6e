namespace AdvScan.Checks.Corruptions;

/// <summary>
/// Defocus blur: correlation with a disk of the given radius (a 0/1 disk on a grid of at least 17 x 17, normalised,
/// then anti-aliased by OpenCV's Gaussian blur of 3 x 3 taps, 5 x 5 above radius 8, with the given sigma), borders
/// mirrored as OpenCV does (BORDER_REFLECT_101). (radius, alias sigma): ImageNet-C (3, .1) (4, .5) (6, .5) (8, .5)
/// (10, .5); CIFAR-10-C (.3, .4) (.4, .5) (.5, .6) (1, .2) (1.5, .1).
/// </summary>
public sealed class DefocusBlur : Corruption
{
    public static readonly (double Radius, double Alias)[] ImageNet = [(3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5)];
    public static readonly (double Radius, double Alias)[] Cifar = [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)];

    public override string Name => "defocus-blur";
    public override CorruptionFamily Family => CorruptionFamily.Blur;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        var (radius, alias) = Pick(ImageNet, Cifar, row, table);
        var kernel = Disk(radius, alias);
        var result = Picture.Blank(picture.Channels, picture.Height, picture.Width);
        for (int c = 0; c < picture.Channels; c++)
            Filters.Correlate(picture.Plane(c), picture.Height, picture.Width, kernel).CopyTo(result.Plane(c));
        return result;
    }

    /// <summary>The anti-aliased disk kernel.</summary>
    public static double[,] Disk(double radius, double alias)
    {
        int half = radius <= 8 ? 8 : (int)Math.Floor(radius);
        int size = 2 * half + 1;
        var disk = new float[size * size];
        double total = 0;
        for (int y = -half; y <= half; y++)
            for (int x = -half; x <= half; x++)
                if (x * x + y * y <= radius * radius) { disk[(y + half) * size + x + half] = 1; total++; }
        for (int i = 0; i < disk.Length; i++) disk[i] = (float)(disk[i] / total);
        var smoothing = Filters.OpenCvGaussianKernel(radius <= 8 ? 3 : 5, alias);
        Filters.Separable(disk, size, size, smoothing, smoothing, Border.Reflect101);
        var kernel = new double[size, size];
        for (int y = 0; y < size; y++) for (int x = 0; x < size; x++) kernel[y, x] = disk[y * size + x];
        return kernel;
    }
}

/// <summary>
/// Glass blur: Gaussian blur (sigma), then for the given number of passes every pixel (rows and columns from n - d down
/// to d + 1) takes the value of a random neighbour at most d pixels away (offsets drawn in [-d, d - 1], as numpy's
/// randint draws them; the reference's swap through numpy views copies rather than swaps on colour images, and so
/// does this), then the Gaussian blur again. (sigma, d, passes): ImageNet-C (.7, 1, 2) (.9, 2, 1) (1, 2, 3) (1.1, 3, 2)
/// (1.5, 4, 2); CIFAR-10-C (.05, 1, 1) (.25, 1, 1) (.4, 1, 1) (.25, 1, 2) (.4, 1, 2). The reference's Python loop is
/// what makes it slow there; here it is one pass over the pixels.
/// </summary>
public sealed class GlassBlur : Corruption
{
    public static readonly (double Sigma, int Delta, int Passes)[] ImageNet = [(0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2)];
    public static readonly (double Sigma, int Delta, int Passes)[] Cifar = [(0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)];

    public override string Name => "glass-blur";
    public override CorruptionFamily Family => CorruptionFamily.Blur;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        var (sigma, delta, passes) = Pick(ImageNet, Cifar, row, table);
        Filters.Gaussian(picture, sigma);
        int h = picture.Height, w = picture.Width, n = picture.PlaneSize;
        var p = picture.Pixels;
        for (int pass = 0; pass < passes; pass++)
            for (int y = h - delta; y > delta; y--)
                for (int x = w - delta; x > delta; x--)
                {
                    int dx = random.Int(-delta, delta), dy = random.Int(-delta, delta);
                    int from = (y + dy) * w + x + dx, to = y * w + x;
                    if (y + dy >= h || x + dx >= w) continue;
                    for (int c = 0; c < picture.Channels; c++) p[c * n + to] = p[c * n + from];
                }
        Filters.Gaussian(picture, sigma);
        return picture;
    }
}

/// <summary>
/// Motion blur: ImageMagick's motion blur (<see cref="Resampling.MotionBlur"/>) at an angle drawn uniformly in
/// [-45, 45] degrees. (radius, sigma): ImageNet-C (10, 3) (15, 5) (15, 8) (15, 12) (20, 15); CIFAR-10-C (6, 1)
/// (6, 1.5) (6, 2) (8, 2) (9, 2.5).
/// </summary>
public sealed class MotionBlur : Corruption
{
    public static readonly (double Radius, double Sigma)[] ImageNet = [(10, 3), (15, 5), (15, 8), (15, 12), (20, 15)];
    public static readonly (double Radius, double Sigma)[] Cifar = [(6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)];

    public override string Name => "motion-blur";
    public override CorruptionFamily Family => CorruptionFamily.Blur;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        var (radius, sigma) = Pick(ImageNet, Cifar, row, table);
        double angle = random.Uniform(-45, 45);
        for (int c = 0; c < picture.Channels; c++)
            Resampling.MotionBlur(picture.Plane(c), picture.Height, picture.Width, radius, sigma, angle).CopyTo(picture.Plane(c));
        return picture;
    }
}

/// <summary>
/// Zoom blur: the mean of the picture and its clipped zooms (<see cref="Resampling.ClippedZoom"/>) by every factor of
/// the row. Factors, as numpy's arange produced them: ImageNet-C 1.00-1.11 by .01 (12), 1.00-1.15 by .01 (16),
/// 1.00-1.20 by .02 (11), 1.00-1.24 by .02 (13), 1.00-1.30 by .03 (11); CIFAR-10-C 1.00-1.06 by .01 (7), 1.00-1.11 (12),
/// 1.00-1.15 (16), 1.00-1.20 (21), 1.00-1.25 (26), all by .01.
/// </summary>
public sealed class ZoomBlur : Corruption
{
    public static readonly (double Step, int Count)[] ImageNet = [(0.01, 12), (0.01, 16), (0.02, 11), (0.02, 13), (0.03, 11)];
    public static readonly (double Step, int Count)[] Cifar = [(0.01, 7), (0.01, 12), (0.01, 16), (0.01, 21), (0.01, 26)];

    public override string Name => "zoom-blur";
    public override CorruptionFamily Family => CorruptionFamily.Blur;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        var (step, count) = Pick(ImageNet, Cifar, row, table);
        int n = picture.PlaneSize;
        var sum = (float[])picture.Pixels.Clone();
        var zoomed = new float[n];
        for (int k = 0; k < count; k++)
            for (int c = 0; c < picture.Channels; c++)
            {
                Resampling.ClippedZoom(picture.Plane(c), zoomed, picture.Height, picture.Width, 1 + k * step);
                for (int i = 0; i < n; i++) sum[c * n + i] += zoomed[i];
            }
        for (int i = 0; i < sum.Length; i++) picture.Pixels[i] = sum[i] / (count + 1);
        return picture;
    }
}

/// <summary>
/// Gaussian blur, held out: skimage's gaussian (truncate 4, edges repeated) with sigma: ImageNet-C 1 2 3 4 6;
/// CIFAR-10-C .4 .6 .7 .8 1.
/// </summary>
public sealed class GaussianBlur : Corruption
{
    public static readonly double[] ImageNet = [1, 2, 3, 4, 6];
    public static readonly double[] Cifar = [0.4, 0.6, 0.7, 0.8, 1];

    public override string Name => "gaussian-blur";
    public override CorruptionFamily Family => CorruptionFamily.Blur;
    public override bool Extra => true;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        Filters.Gaussian(picture, Pick(ImageNet, Cifar, row, table));
        return picture;
    }
}
