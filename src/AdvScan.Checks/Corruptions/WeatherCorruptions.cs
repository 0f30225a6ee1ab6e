namespace AdvScan.Checks.Corruptions;

/// <summary>
/// Snow: a layer of N(mean, sd) flakes per pixel is zoomed about the centre (clipped zoom by the given factor), cut
/// below a threshold, clipped to [0,1] and motion-blurred (ImageMagick's, radius and sigma given, angle drawn in
/// [-135, -45] degrees); the picture is brightened towards max(x, 1.5 grey + 0.5) with weight 1 - keep, and the layer
/// is added twice, once turned 180 degrees. (mean, sd, zoom, threshold, radius, sigma, keep): ImageNet-C
/// (.1, .3, 3, .5, 10, 4, .8) (.2, .3, 2, .5, 12, 4, .7) (.55, .3, 4, .9, 12, 8, .7) (.55, .3, 4.5, .85, 12, 8, .65)
/// (.55, .3, 2.5, .85, 12, 12, .55); CIFAR-10-C (.1, .2, 1, .6, 8, 3, .95) (.1, .2, 1, .5, 10, 4, .9)
/// (.15, .3, 1.75, .55, 10, 4, .9) (.25, .3, 2.25, .6, 12, 6, .85) (.3, .3, 1.25, .65, 14, 12, .8).
/// </summary>
public sealed class Snow : Corruption
{
    public static readonly (double Mean, double Sd, double Zoom, double Threshold, double Radius, double Sigma, double Keep)[] ImageNet =
        [(0.1, 0.3, 3, 0.5, 10, 4, 0.8), (0.2, 0.3, 2, 0.5, 12, 4, 0.7), (0.55, 0.3, 4, 0.9, 12, 8, 0.7), (0.55, 0.3, 4.5, 0.85, 12, 8, 0.65), (0.55, 0.3, 2.5, 0.85, 12, 12, 0.55)];
    public static readonly (double Mean, double Sd, double Zoom, double Threshold, double Radius, double Sigma, double Keep)[] Cifar =
        [(0.1, 0.2, 1, 0.6, 8, 3, 0.95), (0.1, 0.2, 1, 0.5, 10, 4, 0.9), (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9), (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85), (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8)];

    public override string Name => "snow";
    public override CorruptionFamily Family => CorruptionFamily.Weather;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        var c = Pick(ImageNet, Cifar, row, table);
        int h = picture.Height, w = picture.Width, n = picture.PlaneSize;
        var flakes = new float[n];
        for (int i = 0; i < n; i++) flakes[i] = (float)(c.Mean + c.Sd * random.Normal());
        var zoomed = new float[n];
        Resampling.ClippedZoom(flakes, zoomed, h, w, c.Zoom);
        for (int i = 0; i < n; i++) zoomed[i] = zoomed[i] < c.Threshold ? 0 : Math.Min(zoomed[i], 1);
        var layer = Resampling.MotionBlur(zoomed, h, w, c.Radius, c.Sigma, random.Uniform(-135, -45));
        var gray = picture.Gray();
        for (int ch = 0; ch < picture.Channels; ch++)
        {
            var plane = picture.Plane(ch);
            for (int i = 0; i < n; i++)
            {
                double x = plane[i];
                x = c.Keep * x + (1 - c.Keep) * Math.Max(x, gray[i] * 1.5 + 0.5);
                plane[i] = (float)(x + layer[i] + layer[n - 1 - i]);
            }
        }
        return picture;
    }
}

/// <summary>
/// Frost: keep x + weight frost, where frost is <see cref="FrostTexture"/> (the reference blends a random crop of one of
/// its frost photographs; those cannot be shipped). (keep, weight): ImageNet-C (1, .4) (.8, .6) (.7, .7) (.65, .7)
/// (.6, .75); CIFAR-10-C (1, .2) (1, .3) (.9, .4) (.85, .4) (.75, .45).
/// </summary>
public sealed class Frost : Corruption
{
    public static readonly (double Keep, double Weight)[] ImageNet = [(1, 0.4), (0.8, 0.6), (0.7, 0.7), (0.65, 0.7), (0.6, 0.75)];
    public static readonly (double Keep, double Weight)[] Cifar = [(1, 0.2), (1, 0.3), (0.9, 0.4), (0.85, 0.4), (0.75, 0.45)];

    public override string Name => "frost";
    public override CorruptionFamily Family => CorruptionFamily.Weather;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        var (keep, weight) = Pick(ImageNet, Cifar, row, table);
        int n = picture.PlaneSize;
        var frost = FrostTexture.Generate(picture.Height, picture.Width, random);
        for (int c = 0; c < picture.Channels; c++)
        {
            var plane = picture.Plane(c);
            for (int i = 0; i < n; i++)
            {
                float f = picture.IsRgb ? frost[c * n + i] : Picture.Luminance(frost[i], frost[n + i], frost[2 * n + i]);
                plane[i] = (float)(keep * plane[i] + weight * f);
            }
        }
        return picture;
    }
}

/// <summary>
/// Fog: x + strength m, where m is a plasma fractal (<see cref="PlasmaFractal"/>, on the smallest power-of-two square
/// holding the picture, cropped) with the given decay, rescaled by max / (max + strength) with max the picture's
/// largest value. (strength, decay): ImageNet-C (1.5, 2) (2, 2) (2.5, 1.7) (2.5, 1.5) (3, 1.4); CIFAR-10-C (.2, 3)
/// (.5, 3) (.75, 2.5) (1, 2) (1.5, 1.75).
/// </summary>
public sealed class Fog : Corruption
{
    public static readonly (double Strength, double Decay)[] ImageNet = [(1.5, 2), (2, 2), (2.5, 1.7), (2.5, 1.5), (3, 1.4)];
    public static readonly (double Strength, double Decay)[] Cifar = [(0.2, 3), (0.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)];

    public override string Name => "fog";
    public override CorruptionFamily Family => CorruptionFamily.Weather;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        var (strength, decay) = Pick(ImageNet, Cifar, row, table);
        int h = picture.Height, w = picture.Width, size = PlasmaFractal.SizeFor(h, w);
        var map = PlasmaFractal.Generate(size, decay, random);
        double max = picture.Pixels.Max();
        double scale = max / (max + strength);
        for (int c = 0; c < picture.Channels; c++)
        {
            var plane = picture.Plane(c);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    plane[y * w + x] = (float)((plane[y * w + x] + strength * map[y * size + x]) * scale);
        }
        return picture;
    }
}

/// <summary>
/// Brightness (a weather corruption in the paper: sunlight): V + c in HSV, clipped to [0,1]. c: ImageNet-C
/// .1 .2 .3 .4 .5; CIFAR-10-C .05 .1 .15 .2 .3.
/// </summary>
public sealed class Brightness : Corruption
{
    public static readonly double[] ImageNet = [0.1, 0.2, 0.3, 0.4, 0.5];
    public static readonly double[] Cifar = [0.05, 0.1, 0.15, 0.2, 0.3];

    public override string Name => "brightness";
    public override CorruptionFamily Family => CorruptionFamily.Weather;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        double shift = Pick(ImageNet, Cifar, row, table);
        Hsv.Transform(picture, hsv => (hsv.H, hsv.S, Math.Clamp(hsv.V + shift, 0, 1)));
        return picture;
    }
}

/// <summary>
/// Spatter, held out: a liquid layer of N(mean, sd) per pixel, Gaussian-blurred (sigma), cut below a threshold. Water
/// (rows with mud = 0): the layer's Canny edges (50, 150) on its 8-bit copy, the distance to them truncated at 20,
/// 3x3 box-blurred, histogram-equalised, embossed by the 3x3 kernel [[-2,-1,0],[-1,1,1],[0,1,2]] and blurred again,
/// times the layer, scaled to a maximum of the given strength, adds pale turquoise (175, 238, 238)/255. Mud (mud = 1):
/// the layer's mask blurred with sigma = strength, cut below 0.8, replaces the picture by mud brown (63, 42, 20)/255.
/// (mean, sd, sigma, threshold, strength, mud): ImageNet-C (.65, .3, 4, .69, .6, 0) (.65, .3, 3, .68, .6, 0)
/// (.65, .3, 2, .68, .5, 0) (.65, .3, 1, .65, 1.5, 1) (.67, .4, 1, .65, 1.5, 1); CIFAR-10-C (.62, .1, .7, .7, .5, 0)
/// (.65, .1, .8, .7, .5, 0) (.65, .3, 1, .69, .5, 0) (.65, .1, .7, .69, .6, 1) (.65, .1, .5, .68, .6, 1).
/// </summary>
public sealed class Spatter : Corruption
{
    public static readonly (double Mean, double Sd, double Sigma, double Threshold, double Strength, bool Mud)[] ImageNet =
        [(0.65, 0.3, 4, 0.69, 0.6, false), (0.65, 0.3, 3, 0.68, 0.6, false), (0.65, 0.3, 2, 0.68, 0.5, false), (0.65, 0.3, 1, 0.65, 1.5, true), (0.67, 0.4, 1, 0.65, 1.5, true)];
    public static readonly (double Mean, double Sd, double Sigma, double Threshold, double Strength, bool Mud)[] Cifar =
        [(0.62, 0.1, 0.7, 0.7, 0.5, false), (0.65, 0.1, 0.8, 0.7, 0.5, false), (0.65, 0.3, 1, 0.69, 0.5, false), (0.65, 0.1, 0.7, 0.69, 0.6, true), (0.65, 0.1, 0.5, 0.68, 0.6, true)];

    private static readonly float[] Water = [175 / 255f, 238 / 255f, 238 / 255f];
    private static readonly float[] MudBrown = [63 / 255f, 42 / 255f, 20 / 255f];

    public override string Name => "spatter";
    public override CorruptionFamily Family => CorruptionFamily.Weather;
    public override bool Extra => true;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        var c = Pick(ImageNet, Cifar, row, table);
        int h = picture.Height, w = picture.Width, n = picture.PlaneSize;
        var liquid = new float[n];
        for (int i = 0; i < n; i++) liquid[i] = (float)(c.Mean + c.Sd * random.Normal());
        Filters.Gaussian(liquid, h, w, c.Sigma, Border.Nearest);
        for (int i = 0; i < n; i++) if (liquid[i] < c.Threshold) liquid[i] = 0;
        return c.Mud ? Mud(picture, liquid, c.Threshold, c.Strength) : Drops(picture, liquid, c.Strength);
    }

    private static Picture Drops(Picture picture, float[] liquid, double strength)
    {
        int h = picture.Height, w = picture.Width, n = picture.PlaneSize;
        var bytes = new byte[n];
        for (int i = 0; i < n; i++) bytes[i] = (byte)Math.Clamp((int)(liquid[i] * 255), 0, 255);
        var edges = SpatterLayers.Canny(bytes, h, w, 50, 150);
        var distance = SpatterLayers.DistanceToZeros(edges.Select(e => !e).ToArray(), h, w);
        for (int i = 0; i < n; i++) distance[i] = Math.Min(distance[i], 20);
        var blurred = Filters.Box3(distance, h, w);
        var levels = SpatterLayers.EqualizeHistogram(blurred.Select(v => (byte)Math.Clamp((int)v, 0, 255)).ToArray());
        var emboss = new double[,] { { -2, -1, 0 }, { -1, 1, 1 }, { 0, 1, 2 } };
        var embossed = Filters.Correlate(levels.Select(v => (float)v).ToArray(), h, w, emboss).Select(v => (float)SpatterLayers.Saturate(v)).ToArray();
        var shade = Filters.Box3(embossed, h, w);
        var m = new double[n];
        double max = 0;
        for (int i = 0; i < n; i++) max = Math.Max(max, m[i] = liquid[i] * shade[i]);
        if (max > 0) for (int i = 0; i < n; i++) m[i] = m[i] / max * strength;
        for (int ch = 0; ch < picture.Channels; ch++)
        {
            float tint = picture.IsRgb ? Water[ch] : Picture.Luminance(Water[0], Water[1], Water[2]);
            var plane = picture.Plane(ch);
            for (int i = 0; i < n; i++) plane[i] = (float)(plane[i] + m[i] * tint);
        }
        return picture;
    }

    private static Picture Mud(Picture picture, float[] liquid, double threshold, double sigma)
    {
        int h = picture.Height, w = picture.Width, n = picture.PlaneSize;
        var mask = new float[n];
        for (int i = 0; i < n; i++) mask[i] = liquid[i] > threshold ? 1 : 0;
        Filters.Gaussian(mask, h, w, sigma, Border.Nearest);
        for (int i = 0; i < n; i++) if (mask[i] < 0.8f) mask[i] = 0;
        for (int ch = 0; ch < picture.Channels; ch++)
        {
            float tint = picture.IsRgb ? MudBrown[ch] : Picture.Luminance(MudBrown[0], MudBrown[1], MudBrown[2]);
            var plane = picture.Plane(ch);
            for (int i = 0; i < n; i++) plane[i] = plane[i] * (1 - mask[i]) + tint * mask[i];
        }
        return picture;
    }
}
