using SkiaSharp;

namespace AdvScan.Checks.Corruptions;

/// <summary>Contrast: (x - mean) c + mean, the mean per channel over the picture. c: ImageNet-C .4 .3 .2 .1 .05; CIFAR-10-C .75 .5 .4 .3 .15.</summary>
public sealed class Contrast : Corruption
{
    public static readonly double[] ImageNet = [0.4, 0.3, 0.2, 0.1, 0.05];
    public static readonly double[] Cifar = [0.75, 0.5, 0.4, 0.3, 0.15];

    public override string Name => "contrast";
    public override CorruptionFamily Family => CorruptionFamily.Digital;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        double factor = Pick(ImageNet, Cifar, row, table);
        for (int c = 0; c < picture.Channels; c++)
        {
            var plane = picture.Plane(c);
            double mean = 0;
            foreach (var v in plane) mean += v;
            mean /= plane.Length;
            for (int i = 0; i < plane.Length; i++) plane[i] = (float)((plane[i] - mean) * factor + mean);
        }
        return picture;
    }
}

/// <summary>
/// Elastic transform (after Simard et al. 2003): a random affine warp that moves the three points centre + (s, s),
/// centre + (s, -s) and centre - (s, s) (s a third of the smaller side) by up to a pixels each (bilinear, borders
/// mirrored as BORDER_REFLECT_101), then a displacement field of uniform noise in [-1, 1] Gaussian-smoothed with sigma
/// (truncate 3, borders mirrored half-sample) times alpha, read bilinearly with mirrored borders. Parameters are
/// fractions of the image's side. ImageNet-C (alpha, sigma, a) in multiples of 244 on 224 px pictures (the reference's
/// own comment: 244 should have been 224, harmlessly): (2, .7, .1) (2, .08, .2) (.05, .01, .02) (.07, .01, .02)
/// (.12, .01, .02), so these are 244/224 of those fractions of the side; CIFAR-10-C in multiples of 32 on 32 px:
/// (0, 0, .08) (.05, .2, .07) (.08, .06, .06) (.1, .04, .05) (.1, .03, .03). The reference's slow part is smoothing
/// with sigma up to 170 px; here a wide kernel folds into one weight per pixel of the line (<see cref="Filters.Separable"/>).
/// </summary>
public sealed class ElasticTransform : Corruption
{
    private const double ImageNetScale = 244.0 / 224.0;

    public static readonly (double Alpha, double Sigma, double Affine)[] ImageNet =
        [(2 * ImageNetScale, 0.7 * ImageNetScale, 0.1 * ImageNetScale), (2 * ImageNetScale, 0.08 * ImageNetScale, 0.2 * ImageNetScale),
         (0.05 * ImageNetScale, 0.01 * ImageNetScale, 0.02 * ImageNetScale), (0.07 * ImageNetScale, 0.01 * ImageNetScale, 0.02 * ImageNetScale),
         (0.12 * ImageNetScale, 0.01 * ImageNetScale, 0.02 * ImageNetScale)];
    public static readonly (double Alpha, double Sigma, double Affine)[] Cifar = [(0, 0, 0.08), (0.05, 0.2, 0.07), (0.08, 0.06, 0.06), (0.1, 0.04, 0.05), (0.1, 0.03, 0.03)];

    public override string Name => "elastic-transform";
    public override CorruptionFamily Family => CorruptionFamily.Digital;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        var f = Pick(ImageNet, Cifar, row, table);
        int h = picture.Height, w = picture.Width;
        double side = Math.Min(h, w), alpha = f.Alpha * side, sigma = f.Sigma * side, shift = f.Affine * side;
        // Random affine: three points and where they go; OpenCV's warpAffine reads each output pixel at the inverse map.
        double cx = w / 2, cy = h / 2, s = Math.Floor(side / 3);
        double[] from = [cx + s, cy + s, cx + s, cy - s, cx - s, cy - s];
        var to = from.Select(v => v + random.Uniform(-shift, shift)).ToArray();
        var inverse = AffineInverse(Affine(from, to));
        var warped = Picture.Blank(picture.Channels, h, w);
        for (int c = 0; c < picture.Channels; c++)
        {
            var source = picture.Plane(c);
            var target = warped.Plane(c);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    target[y * w + x] = Filters.Bilinear(source, h, w, inverse[3] * x + inverse[4] * y + inverse[5], inverse[0] * x + inverse[1] * y + inverse[2], Border.Reflect101);
        }
        var dx = Field(h, w, sigma, alpha, random);
        var dy = Field(h, w, sigma, alpha, random);
        var result = Picture.Blank(picture.Channels, h, w);
        for (int c = 0; c < picture.Channels; c++)
        {
            var source = warped.Plane(c);
            var target = result.Plane(c);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    target[y * w + x] = Filters.Bilinear(source, h, w, y + dy[y * w + x], x + dx[y * w + x], Border.Reflect);
        }
        return result;
    }

    private static float[] Field(int h, int w, double sigma, double alpha, CorruptionRandom random)
    {
        var field = new float[h * w];
        for (int i = 0; i < field.Length; i++) field[i] = (float)random.Uniform(-1, 1);
        if (sigma > 0) Filters.Gaussian(field, h, w, sigma, Border.Reflect, truncate: 3);
        for (int i = 0; i < field.Length; i++) field[i] = (float)(field[i] * alpha);
        return field;
    }

    /// <summary>The 2x3 affine map (row-major: x' = m0 x + m1 y + m2, y' = m3 x + m4 y + m5) taking three points to three others.</summary>
    internal static double[] Affine(double[] from, double[] to)
    {
        // Solve [x y 1] m = x' for both rows with Cramer's rule on the 3x3 system of the three points.
        double x0 = from[0], y0 = from[1], x1 = from[2], y1 = from[3], x2 = from[4], y2 = from[5];
        double det = x0 * (y1 - y2) - y0 * (x1 - x2) + (x1 * y2 - x2 * y1);
        // Pictures under 3 px have no triangle to move: no warp.
        if (Math.Abs(det) < 1e-12) return [1, 0, 0, 0, 1, 0];
        double[] Row(double a, double b, double c) =>
        [
            (a * (y1 - y2) - y0 * (b - c) + (b * y2 - c * y1)) / det,
            (x0 * (b - c) - a * (x1 - x2) + (x1 * c - x2 * b)) / det,
            (x0 * (y1 * c - y2 * b) - y0 * (x1 * c - x2 * b) + a * (x1 * y2 - x2 * y1)) / det,
        ];
        return [.. Row(to[0], to[2], to[4]), .. Row(to[1], to[3], to[5])];
    }

    internal static double[] AffineInverse(double[] m)
    {
        double det = m[0] * m[4] - m[1] * m[3];
        if (Math.Abs(det) < 1e-12) return [1, 0, 0, 0, 1, 0];
        double a = m[4] / det, b = -m[1] / det, d = -m[3] / det, e = m[0] / det;
        return [a, b, -(a * m[2] + b * m[5]), d, e, -(d * m[2] + e * m[5])];
    }
}

/// <summary>
/// Pixelate: Pillow's box downsampling to int(side c) per axis and box upsampling back (<see cref="Resampling.Box"/>).
/// c: ImageNet-C .6 .5 .4 .3 .25; CIFAR-10-C .95 .9 .85 .75 .65.
/// </summary>
public sealed class Pixelate : Corruption
{
    public static readonly double[] ImageNet = [0.6, 0.5, 0.4, 0.3, 0.25];
    public static readonly double[] Cifar = [0.95, 0.9, 0.85, 0.75, 0.65];

    public override string Name => "pixelate";
    public override CorruptionFamily Family => CorruptionFamily.Digital;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        double factor = Pick(ImageNet, Cifar, row, table);
        int h = picture.Height, w = picture.Width;
        int smallH = Math.Max(1, (int)(h * factor)), smallW = Math.Max(1, (int)(w * factor));
        for (int c = 0; c < picture.Channels; c++)
        {
            var small = Resampling.Box(picture.Plane(c), h, w, smallH, smallW);
            Resampling.Box(small, smallH, smallW, h, w).CopyTo(picture.Plane(c));
        }
        return picture;
    }
}

/// <summary>
/// JPEG compression: the picture rounded to 8 bits, encoded as JPEG at the given quality (grey pictures as grey JPEG,
/// others per channel as grey when not RGB) and decoded, through SkiaSharp's libjpeg-turbo (the reference used Pillow's
/// libjpeg; both use the IJG quality scaling, chroma subsampling may differ). Quality: ImageNet-C 25 18 15 10 7;
/// CIFAR-10-C 80 65 58 50 40.
/// </summary>
public sealed class JpegCompression : Corruption
{
    public static readonly int[] ImageNet = [25, 18, 15, 10, 7];
    public static readonly int[] Cifar = [80, 65, 58, 50, 40];

    public override string Name => "jpeg-compression";
    public override CorruptionFamily Family => CorruptionFamily.Digital;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random) =>
        RoundTrip(picture, Pick(ImageNet, Cifar, row, table));

    /// <summary>An encode/decode at <paramref name="quality"/> of the picture's 8-bit values.</summary>
    public static Picture RoundTrip(Picture picture, int quality)
    {
        int h = picture.Height, w = picture.Width, n = picture.PlaneSize;
        if (picture.IsRgb)
        {
            using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
            var bytes = new byte[n * 4];
            for (int i = 0; i < n; i++)
            {
                for (int c = 0; c < 3; c++) bytes[4 * i + c] = ToByte(picture.Pixels[c * n + i]);
                bytes[4 * i + 3] = 255;
            }
            System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
            using var decoded = Decode(bitmap, quality, SKColorType.Rgba8888);
            var back = decoded.Bytes;
            for (int i = 0; i < n; i++)
                for (int c = 0; c < 3; c++) picture.Pixels[c * n + i] = back[4 * i + c] / 255f;
            return picture;
        }
        for (int c = 0; c < picture.Channels; c++)
        {
            using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Gray8, SKAlphaType.Opaque));
            var bytes = new byte[n];
            var plane = picture.Plane(c);
            for (int i = 0; i < n; i++) bytes[i] = ToByte(plane[i]);
            System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
            using var decoded = Decode(bitmap, quality, SKColorType.Gray8);
            var back = decoded.Bytes;
            for (int i = 0; i < n; i++) plane[i] = back[i] / 255f;
        }
        return picture;
    }

    private static byte ToByte(float v) => (byte)Math.Clamp((int)Math.Round(v * 255.0, MidpointRounding.ToEven), 0, 255);

    private static SKBitmap Decode(SKBitmap bitmap, int quality, SKColorType colorType)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality)
            ?? throw new InvalidOperationException("SkiaSharp could not encode a JPEG");
        var decoded = SKBitmap.Decode(data) ?? throw new InvalidOperationException("SkiaSharp could not decode its own JPEG");
        if (decoded.ColorType == colorType) return decoded;
        var converted = new SKBitmap(new SKImageInfo(decoded.Width, decoded.Height, colorType, SKAlphaType.Opaque));
        using (decoded)
            if (!decoded.CopyTo(converted, colorType)) throw new InvalidOperationException($"SkiaSharp could not convert a decoded JPEG to {colorType}");
        return converted;
    }
}

/// <summary>
/// Saturate, held out: S c + b in HSV, clipped to [0,1]. (c, b): ImageNet-C (.3, 0) (.1, 0) (2, 0) (5, .1) (20, .2);
/// CIFAR-10-C (.3, 0) (.1, 0) (1.5, 0) (2, .1) (2.5, .2). A grey picture gains the saturation b with hue 0 (red),
/// as skimage's conversion gives it, and is returned to grey by luminance.
/// </summary>
public sealed class Saturate : Corruption
{
    public static readonly (double Scale, double Shift)[] ImageNet = [(0.3, 0), (0.1, 0), (2, 0), (5, 0.1), (20, 0.2)];
    public static readonly (double Scale, double Shift)[] Cifar = [(0.3, 0), (0.1, 0), (1.5, 0), (2, 0.1), (2.5, 0.2)];

    public override string Name => "saturate";
    public override CorruptionFamily Family => CorruptionFamily.Digital;
    public override bool Extra => true;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        var (scale, shift) = Pick(ImageNet, Cifar, row, table);
        Hsv.Transform(picture, hsv => (hsv.H, Math.Clamp(hsv.S * scale + shift, 0, 1), hsv.V));
        return picture;
    }
}
