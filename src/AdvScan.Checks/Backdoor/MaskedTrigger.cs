using AdvScan.Data;

namespace AdvScan.Checks.Backdoor;

/// <summary>
/// A trigger as Neural Cleanse writes it: a mask m over the image plane ([H,W], each in [0,1]) and a pattern p
/// ([C,H,W] in [0,1]); stamping gives (1 - m) * x + m * p per channel. A BadNets patch is the special case of a 0/1
/// mask, so a recovered trigger and a known one (from a *.backdoor.json) are used the same way by STRIP and unlearning.
/// </summary>
public sealed record MaskedTrigger(int Channels, int Height, int Width, float[] Mask, float[] Pattern)
{
    public int Plane => Height * Width;

    /// <summary>The L1 norm of the mask: the trigger's size in pixels, what Neural Cleanse minimises.</summary>
    public double MaskNorm => Mask.Sum(v => (double)v);

    /// <summary>The known BadNets trigger as a 0/1 mask over its square and its painted values as the pattern.</summary>
    public static MaskedTrigger FromSpec(TriggerSpec spec, int channels, int height, int width)
    {
        spec.Validate(channels, height, width);
        var mask = new float[height * width];
        for (int dy = 0; dy < spec.Size; dy++)
            for (int dx = 0; dx < spec.Size; dx++) mask[(spec.Y + dy) * width + spec.X + dx] = 1f;
        var pattern = new float[channels * height * width];
        spec.Stamp(pattern, channels, height, width);
        return new MaskedTrigger(channels, height, width, mask, pattern);
    }

    /// <summary>Stamps the trigger onto one [C,H,W] image in place.</summary>
    public void Stamp(Span<float> image)
    {
        int plane = Plane;
        for (int c = 0; c < Channels; c++)
            for (int p = 0; p < plane; p++)
            {
                float m = Mask[p];
                image[c * plane + p] = (1 - m) * image[c * plane + p] + m * Pattern[c * plane + p];
            }
    }

    /// <summary>A stamped copy of <paramref name="pixels"/>, row-major [N,C,H,W].</summary>
    public float[] StampAll(float[] pixels)
    {
        int size = Channels * Plane;
        if (pixels.Length % size != 0) throw new ArgumentException($"{pixels.Length} values are not whole {Channels}x{Height}x{Width} images");
        var stamped = (float[])pixels.Clone();
        for (int i = 0; i < pixels.Length / size; i++) Stamp(stamped.AsSpan(i * size, size));
        return stamped;
    }

    /// <summary>The mask times the pattern: what the trigger paints, as an image for reports.</summary>
    public float[] Painted()
    {
        var painted = new float[Pattern.Length];
        for (int c = 0; c < Channels; c++)
            for (int p = 0; p < Plane; p++) painted[c * Plane + p] = Mask[p] * Pattern[c * Plane + p];
        return painted;
    }
}
