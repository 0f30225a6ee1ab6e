using AdvScan.Checks.Corruptions;
using SkiaSharp;

namespace AdvScan.Checks.Tests.Corruptions;

/// <summary>
/// Properties that follow from each corruption's definition and published parameters, checked against oracles written
/// here: the noise corruptions' spread and rate within sampling error of the table, HSV shifts of brightness and
/// saturate computed from RGB directly, pixelate against area box resampling, JPEG against SkiaSharp's own round trip.
/// </summary>
public class CorruptionDefinitionTests
{
    private const int Side = 96;

    private static Picture Constant(int channels, float value)
    {
        var p = Picture.Blank(channels, Side, Side);
        Array.Fill(p.Pixels, value);
        return p;
    }

    private static (double Mean, double Sd) Moments(IEnumerable<double> values)
    {
        var list = values.ToList();
        double mean = list.Average();
        return (mean, Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1)));
    }

    public static TheoryData<int> Rows() => [0, 1, 2, 3, 4];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Gaussian_noise_has_the_table_s_standard_deviation(int row)
    {
        // At 0.5 the CIFAR-10-C sigmas (<= 0.1) are 5 sigma from clipping; the ImageNet-C ones are checked below the clip.
        foreach (var (table, sigma) in new[] { (ParameterTable.Cifar, GaussianNoise.Cifar[row]), (ParameterTable.ImageNet, GaussianNoise.ImageNet[row]) })
        {
            var input = Constant(3, 0.5f);
            var output = new GaussianNoise().Corrupt(input, row + 1, table, new CorruptionRandom(11));
            int n = output.Pixels.Length;
            if (table == ParameterTable.Cifar)
            {
                var (mean, sd) = Moments(output.Pixels.Select(v => (double)v));
                Assert.InRange(sd, sigma * (1 - 4 / Math.Sqrt(2.0 * n)), sigma * (1 + 4 / Math.Sqrt(2.0 * n)));
                Assert.InRange(mean, 0.5 - 4 * sigma / Math.Sqrt(n), 0.5 + 4 * sigma / Math.Sqrt(n));
            }
            else
            {
                // Clipped at 0 and 1: the share left at either bound is 2 P(Z > 0.5 / sigma).
                double expected = 2 * UpperTail(0.5 / sigma);
                double clipped = output.Pixels.Count(v => v is 0 or 1) / (double)n;
                Assert.InRange(clipped, expected - 4 * Math.Sqrt(expected * (1 - expected) / n) - 1e-4, expected + 4 * Math.Sqrt(expected * (1 - expected) / n) + 1e-4);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Shot_noise_is_Poisson_with_the_table_s_photon_count(int row)
    {
        // Poisson(x c) / c has mean x and variance x / c; at x = 0.3 the CIFAR-10-C counts (>= 50) stay far from the clip.
        double photons = ShotNoise.Cifar[row], x = 0.3;
        var output = new ShotNoise().Corrupt(Constant(3, (float)x), row + 1, ParameterTable.Cifar, new CorruptionRandom(12));
        int n = output.Pixels.Length;
        var (mean, sd) = Moments(output.Pixels.Select(v => (double)v));
        double variance = x / photons;
        Assert.InRange(mean, x - 4 * Math.Sqrt(variance / n), x + 4 * Math.Sqrt(variance / n));
        Assert.InRange(sd * sd, variance * (1 - 5 * Math.Sqrt(2.0 / n)), variance * (1 + 5 * Math.Sqrt(2.0 / n)));
        // Every value is a whole number of photons over the count.
        Assert.All(output.Pixels.Take(500), v => Assert.Equal(Math.Round(v * photons), v * photons, 3));
        // ImageNet-C's 3 photons at x = 0.3: P(k = 0) = exp(-0.9) of the values are black.
        var dark = new ShotNoise().Corrupt(Constant(3, 0.3f), 5, ParameterTable.ImageNet, new CorruptionRandom(13));
        double zero = dark.Pixels.Count(v => v == 0) / (double)n, expected = Math.Exp(-0.9);
        Assert.InRange(zero, expected - 4 * Math.Sqrt(expected * (1 - expected) / n), expected + 4 * Math.Sqrt(expected * (1 - expected) / n));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Impulse_noise_replaces_the_table_s_share_of_values_half_by_salt_half_by_pepper(int row)
    {
        foreach (var (table, amount) in new[] { (ParameterTable.Cifar, ImpulseNoise.Cifar[row]), (ParameterTable.ImageNet, ImpulseNoise.ImageNet[row]) })
        {
            var output = new ImpulseNoise().Corrupt(Constant(3, 0.5f), row + 1, table, new CorruptionRandom(14));
            int n = output.Pixels.Length, salt = output.Pixels.Count(v => v == 1), pepper = output.Pixels.Count(v => v == 0);
            double rate = (salt + pepper) / (double)n, tolerance = 4 * Math.Sqrt(amount * (1 - amount) / n);
            Assert.InRange(rate, amount - tolerance, amount + tolerance);
            Assert.Equal(n, salt + pepper + output.Pixels.Count(v => v == 0.5f));
            Assert.InRange(salt / (double)(salt + pepper), 0.5 - 4 * Math.Sqrt(0.25 / (salt + pepper)), 0.5 + 4 * Math.Sqrt(0.25 / (salt + pepper)));
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Speckle_noise_scales_with_the_pixel(int row)
    {
        // x + x N(0, s^2): at x = 0.4 the spread is 0.4 s (CIFAR-10-C's s <= 0.2 stays inside [0,1]).
        double s = SpeckleNoise.Cifar[row];
        var output = new SpeckleNoise().Corrupt(Constant(3, 0.4f), row + 1, ParameterTable.Cifar, new CorruptionRandom(15));
        int n = output.Pixels.Length;
        var (_, sd) = Moments(output.Pixels.Select(v => (double)v));
        Assert.InRange(sd, 0.4 * s * (1 - 4 / Math.Sqrt(2.0 * n)), 0.4 * s * (1 + 4 / Math.Sqrt(2.0 * n)));
        var black = new SpeckleNoise().Corrupt(Constant(3, 0f), row + 1, ParameterTable.Cifar, new CorruptionRandom(15));
        Assert.All(black.Pixels, v => Assert.Equal(0f, v));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Brightness_adds_the_table_s_shift_to_V_and_keeps_hue_and_saturation(int row)
    {
        // Raising V with H and S kept scales a pixel's RGB by V'/V (V = its largest channel); black becomes grey V'.
        foreach (var (table, shift) in new[] { (ParameterTable.Cifar, Brightness.Cifar[row]), (ParameterTable.ImageNet, Brightness.ImageNet[row]) })
        {
            var input = CorruptionPropertyTests.Sample(3, 24, 24, seed: row);
            input.Pixels[0] = input.Pixels[576] = input.Pixels[1152] = 0;
            var output = new Brightness().Corrupt(input, row + 1, table, new CorruptionRandom(1));
            for (int i = 0; i < 576; i++)
            {
                double r = input.Pixels[i], g = input.Pixels[576 + i], b = input.Pixels[1152 + i];
                double v = Math.Max(r, Math.Max(g, b)), target = Math.Min(v + shift, 1);
                double[] expected = v == 0 ? [target, target, target] : [r * target / v, g * target / v, b * target / v];
                for (int c = 0; c < 3; c++) Assert.Equal(expected[c], output.Pixels[c * 576 + i], 1e-5);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Saturate_sets_S_to_S_times_c_plus_b_and_keeps_hue_and_value(int row)
    {
        foreach (var (table, (scale, shift)) in new[] { (ParameterTable.Cifar, Saturate.Cifar[row]), (ParameterTable.ImageNet, Saturate.ImageNet[row]) })
        {
            var input = CorruptionPropertyTests.Sample(3, 24, 24, seed: 10 + row);
            var output = new Saturate().Corrupt(input, row + 1, table, new CorruptionRandom(1));
            for (int i = 0; i < 576; i++)
            {
                double[] before = [input.Pixels[i], input.Pixels[576 + i], input.Pixels[1152 + i]];
                double[] after = [output.Pixels[i], output.Pixels[576 + i], output.Pixels[1152 + i]];
                double v = before.Max(), s = v == 0 ? 0 : (v - before.Min()) / v;
                Assert.Equal(v, after.Max(), 1e-5);
                double expectedS = Math.Clamp(s * scale + shift, 0, 1);
                if (v > 0) Assert.Equal(expectedS, (after.Max() - after.Min()) / after.Max(), 1e-4);
                // Hue: which channel is largest and where the middle one sits between the other two.
                if (s > 1e-3 && expectedS > 1e-3 && before.Max() - before.Min() > 1e-3)
                {
                    Assert.Equal(Array.IndexOf(before, before.Max()), Array.IndexOf(after, after.Max()));
                    double Position(double[] p) => (p.Sum() - p.Max() - p.Min() - p.Min()) / (p.Max() - p.Min());
                    Assert.Equal(Position(before), Position(after), 1e-3);
                }
            }
        }
    }

    [Theory]
    [InlineData(1, 28, 28)] [InlineData(3, 32, 32)] [InlineData(3, 40, 23)] [InlineData(1, 112, 100)]
    public void Pixelate_equals_box_downsampling_then_box_upsampling(int channels, int height, int width)
    {
        var table = CorruptionSuite.TableFor(height, width);
        var input = CorruptionPropertyTests.Sample(channels, height, width, seed: 3);
        for (int severity = 1; severity <= 5; severity++)
        {
            double factor = table == ParameterTable.Cifar ? Pixelate.Cifar[severity - 1] : Pixelate.ImageNet[severity - 1];
            int h = (int)(height * factor), w = (int)(width * factor);
            var output = new Pixelate().Corrupt(input, severity, table, new CorruptionRandom(1));
            for (int c = 0; c < channels; c++)
            {
                var plane = input.Pixels.AsSpan(c * height * width, height * width).ToArray();
                var expected = Enlarge(Shrink(plane, height, width, h, w), h, w, height, width);
                var actual = output.Pixels.AsSpan(c * height * width, height * width).ToArray();
                for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"severity {severity}, channel {c}, pixel {i} (row {i / width}, column {i % width}): expected {expected[i]}, got {actual[i]}");
            }
        }
    }

    /// <summary>Box downsampling: each new pixel averages the old pixels whose centres lie in its footprint (open at its start).</summary>
    private static double[] Shrink(float[] plane, int height, int width, int h, int w)
    {
        var result = new double[h * w];
        // Centre k + 1/2 of n old pixels lies in new pixel i's footprint (i n/m, (i+1) n/m], in whole numbers: (2k + 1) m against 2 i n.
        static List<int> Under(int i, int n, int m) => Enumerable.Range(0, n).Where(k => (2 * k + 1) * m > 2 * i * n && (2 * k + 1) * m <= 2 * (i + 1) * n).ToList();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var rows = Under(y, height, h);
                var columns = Under(x, width, w);
                result[y * w + x] = rows.SelectMany(yy => columns.Select(xx => (double)plane[yy * width + xx])).Average();
            }
        return result;
    }

    /// <summary>Box upsampling: each new pixel takes the old pixel under its centre (the later one on a boundary).</summary>
    private static double[] Enlarge(double[] plane, int h, int w, int height, int width)
    {
        var result = new double[height * width];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                result[y * width + x] = plane[(2 * y + 1) * h / (2 * height) * w + (2 * x + 1) * w / (2 * width)];
        return result;
    }

    [Theory]
    [InlineData(1, ParameterTable.Cifar)] [InlineData(3, ParameterTable.Cifar)] [InlineData(3, ParameterTable.ImageNet)]
    public void Jpeg_equals_an_encode_and_decode_at_the_table_s_quality(int channels, ParameterTable table)
    {
        var input = CorruptionPropertyTests.Sample(channels, 40, 48, seed: 4);
        for (int severity = 1; severity <= 5; severity++)
        {
            int quality = (table == ParameterTable.Cifar ? JpegCompression.Cifar : JpegCompression.ImageNet)[severity - 1];
            var output = new JpegCompression().Corrupt(input, severity, table, new CorruptionRandom(1));
            var expected = SkiaRoundTrip(input, quality);
            Assert.Equal(expected, output.Pixels.Select(v => (byte)Math.Round(v * 255)).ToArray());
            Assert.All(output.Pixels, v => Assert.Equal(Math.Round(v * 255), v * 255, 3));
        }
        // Lower quality loses more.
        double Loss(int severity) => new JpegCompression().Corrupt(input, severity, table, new CorruptionRandom(1)).Pixels.Zip(input.Pixels).Average(p => Math.Abs(p.First - p.Second));
        Assert.True(Loss(5) > Loss(1));
    }

    /// <summary>The oracle: SkiaSharp's JPEG at the quality, decoded, as bytes in the picture's plane order.</summary>
    private static byte[] SkiaRoundTrip(Picture picture, int quality)
    {
        int h = picture.Height, w = picture.Width, n = h * w;
        byte B(float v) => (byte)Math.Clamp((int)Math.Round(v * 255.0, MidpointRounding.ToEven), 0, 255);
        var result = new byte[picture.Pixels.Length];
        if (picture.Channels == 3)
        {
            using var bitmap = new SKBitmap(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    bitmap.SetPixel(x, y, new SKColor(B(picture.Pixels[y * w + x]), B(picture.Pixels[n + y * w + x]), B(picture.Pixels[2 * n + y * w + x])));
            using var decoded = SKBitmap.Decode(bitmap.Encode(SKEncodedImageFormat.Jpeg, quality));
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    var color = decoded.GetPixel(x, y);
                    result[y * w + x] = color.Red; result[n + y * w + x] = color.Green; result[2 * n + y * w + x] = color.Blue;
                }
            return result;
        }
        using var gray = new SKBitmap(new SKImageInfo(w, h, SKColorType.Gray8, SKAlphaType.Opaque));
        var bytes = picture.Pixels.Select(B).ToArray();
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, gray.GetPixels(), n);
        using var back = SKBitmap.Decode(gray.Encode(SKEncodedImageFormat.Jpeg, quality));
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) result[y * w + x] = back.GetPixel(x, y).Red;
        return result;
    }

    [Fact]
    public void Contrast_scales_each_channel_about_its_mean_and_fog_keeps_the_picture_below_its_maximum_blend()
    {
        var input = CorruptionPropertyTests.Sample(3, 32, 32, seed: 6);
        var output = new Contrast().Corrupt(input, 5, ParameterTable.Cifar, new CorruptionRandom(1));
        for (int c = 0; c < 3; c++)
        {
            var before = input.Pixels.Skip(c * 1024).Take(1024).ToArray();
            var after = output.Pixels.Skip(c * 1024).Take(1024).ToArray();
            double mean = before.Average(v => (double)v);
            for (int i = 0; i < 1024; i++) Assert.Equal((before[i] - mean) * Contrast.Cifar[4] + mean, after[i], 1e-5);
        }
    }

    private static double UpperTail(double z)
    {
        // Abramowitz-Stegun 7.1.26 erfc approximation (error < 1.5e-7), enough for a tolerance of several standard errors.
        double x = z / Math.Sqrt(2), t = 1 / (1 + 0.3275911 * x);
        double erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.Exp(-x * x);
        return erfc / 2;
    }
}
