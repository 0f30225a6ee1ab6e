namespace AdvScan.Checks.Corruptions;

/// <summary>
/// A procedural stand-in for the reference's frost photographs, which cannot be shipped: ice crystals drawn as
/// needles growing from random nuclei (three to six arms each, with side branches at 60 degrees, as dendritic frost
/// grows on glass) over a soft diamond-square haze, then given the photographs' colour statistics. The reference picks
/// one of five photographs (frost1-frost5) and crops it at random; measured on those five, their pixels average
/// (R, G, B) = (0.572, 0.656, 0.702) with a within-photograph standard deviation of about (0.112, 0.104, 0.104), a pale
/// blue-white. The texture here is standardised to exactly that mean and spread, so the published mixing weights keep
/// their meaning; its shapes are not the photographs' and a model may find it easier or harder than real frost.
/// </summary>
public static class FrostTexture
{
    public static readonly double[] Mean = [0.572, 0.656, 0.702];
    public static readonly double[] Spread = [0.112, 0.104, 0.104];

    /// <summary>Three planes [3, H, W] in [0,1], RGB.</summary>
    public static float[] Generate(int height, int width, CorruptionRandom random)
    {
        int n = height * width, size = Math.Max(height, width);
        var crystals = new float[n];
        int nuclei = Math.Clamp((int)Math.Round(n / 400.0), 3, 400);
        for (int k = 0; k < nuclei; k++)
        {
            double cy = random.Uniform(0, height), cx = random.Uniform(0, width);
            int arms = random.Int(3, 7);
            double start = random.Uniform(0, 2 * Math.PI), brightness = random.Uniform(0.5, 1);
            for (int a = 0; a < arms; a++)
            {
                double angle = start + a * 2 * Math.PI / arms + random.Uniform(-0.25, 0.25);
                double length = random.Uniform(0.05, 0.25) * size;
                double ey = cy + length * Math.Sin(angle), ex = cx + length * Math.Cos(angle);
                Needle(crystals, height, width, cy, cx, ey, ex, brightness);
                for (int b = 1; b <= 4; b++)
                {
                    double t = b / 5.0, by = cy + t * (ey - cy), bx = cx + t * (ex - cx), side = (1 - t) * length * 0.45;
                    foreach (var turn in new[] { Math.PI / 3, -Math.PI / 3 })
                        Needle(crystals, height, width, by, bx, by + side * Math.Sin(angle + turn), bx + side * Math.Cos(angle + turn), brightness * 0.8);
                }
            }
        }
        Filters.Gaussian(crystals, height, width, 0.5, Border.Reflect);
        var haze = PlasmaFractal.Generate(PlasmaFractal.SizeFor(height, width), 2, random);
        int side2 = PlasmaFractal.SizeFor(height, width);
        var texture = new double[n];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                texture[y * width + x] = 0.6 * haze[y * side2 + x] + crystals[y * width + x];
        double mean = texture.Average(), spread = Math.Sqrt(texture.Sum(v => (v - mean) * (v - mean)) / n);
        if (spread <= 0) spread = 1;
        var rgb = new float[3 * n];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < n; i++)
                rgb[c * n + i] = (float)Math.Clamp(Mean[c] + Spread[c] * (texture[i] - mean) / spread, 0, 1);
        return rgb;
    }

    /// <summary>Draws an anti-aliased line about a pixel wide, keeping the brighter of overlapping crystals.</summary>
    private static void Needle(float[] into, int height, int width, double y0, double x0, double y1, double x1, double brightness)
    {
        const double halfWidth = 0.75;
        int top = Math.Max(0, (int)Math.Floor(Math.Min(y0, y1) - 1)), bottom = Math.Min(height - 1, (int)Math.Ceiling(Math.Max(y0, y1) + 1));
        int left = Math.Max(0, (int)Math.Floor(Math.Min(x0, x1) - 1)), right = Math.Min(width - 1, (int)Math.Ceiling(Math.Max(x0, x1) + 1));
        double dy = y1 - y0, dx = x1 - x0, length2 = dy * dy + dx * dx;
        for (int y = top; y <= bottom; y++)
            for (int x = left; x <= right; x++)
            {
                double py = y + 0.5 - y0, px = x + 0.5 - x0;
                double t = length2 > 0 ? Math.Clamp((py * dy + px * dx) / length2, 0, 1) : 0;
                double ey = py - t * dy, ex = px - t * dx;
                double distance = Math.Sqrt(ey * ey + ex * ex);
                double value = brightness * Math.Max(0, 1 - distance / halfWidth);
                if (value > into[y * width + x]) into[y * width + x] = (float)value;
            }
    }
}
