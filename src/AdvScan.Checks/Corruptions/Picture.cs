namespace AdvScan.Checks.Corruptions;

/// <summary>
/// One image as the corruptions see it: planes [C,H,W] of floats in [0,1] (RGB order for three channels, as the data
/// readers deliver pixels before the model's mapping). Plain arrays: no TorchSharp, no native Scalars.
/// </summary>
public sealed class Picture
{
    public Picture(float[] pixels, int channels, int height, int width)
    {
        if (channels < 1 || height < 1 || width < 1 || pixels.Length != (long)channels * height * width)
            throw new ArgumentException($"{pixels.Length} values do not make a {channels}x{height}x{width} image", nameof(pixels));
        Pixels = pixels;
        Channels = channels;
        Height = height;
        Width = width;
    }

    public float[] Pixels { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int PlaneSize => Height * Width;

    /// <summary>Whether colour operations (HSV, grey conversion, coloured overlays) see RGB; other channel counts are treated as grey planes.</summary>
    public bool IsRgb => Channels == 3;

    public Span<float> Plane(int channel) => Pixels.AsSpan(channel * PlaneSize, PlaneSize);

    public Picture Clone() => new((float[])Pixels.Clone(), Channels, Height, Width);

    public static Picture Blank(int channels, int height, int width) => new(new float[channels * height * width], channels, height, width);

    /// <summary>Clips every value into [0,1] (NaN to 0), as every corruption's last step does.</summary>
    public Picture Clip()
    {
        var p = Pixels;
        for (int i = 0; i < p.Length; i++) p[i] = p[i] >= 0 ? (p[i] <= 1 ? p[i] : 1) : 0;
        return this;
    }

    /// <summary>Grey level per pixel: OpenCV's RGB2GRAY weights (ITU-R BT.601: 0.299, 0.587, 0.114) for RGB, the mean of the planes otherwise.</summary>
    public float[] Gray()
    {
        var gray = new float[PlaneSize];
        if (IsRgb)
        {
            var r = Plane(0); var g = Plane(1); var b = Plane(2);
            for (int i = 0; i < gray.Length; i++) gray[i] = 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
            return gray;
        }
        for (int c = 0; c < Channels; c++)
        {
            var plane = Plane(c);
            for (int i = 0; i < gray.Length; i++) gray[i] += plane[i] / Channels;
        }
        return gray;
    }

    /// <summary>
    /// The grey value of an RGB colour on a picture that has no colour (BT.601 luminance), so a coloured overlay (mud,
    /// water, frost) still changes a grey image by the amount the reference's colour would.
    /// </summary>
    public static float Luminance(float r, float g, float b) => 0.299f * r + 0.587f * g + 0.114f * b;
}
