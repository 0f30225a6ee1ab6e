namespace AdvScan.Training;

/// <summary>
/// Labelled images in memory: row-major [count, channels, height, width] floats in [0,1] pixel space, which is what
/// every zoo architecture takes as input.
/// </summary>
public sealed class ImageSet
{
    public ImageSet(int channels, int height, int width, float[] pixels, int[] labels, IReadOnlyList<string> classNames)
    {
        if (channels <= 0 || height <= 0 || width <= 0) throw new ArgumentException("image dimensions must be positive");
        if (pixels.LongLength != (long)labels.Length * channels * height * width)
            throw new ArgumentException($"{pixels.Length} pixel values do not make {labels.Length} images of {channels}x{height}x{width}");
        foreach (var label in labels)
            if (label < 0 || label >= classNames.Count) throw new ArgumentException($"label {label} is outside the {classNames.Count} classes");
        Channels = channels;
        Height = height;
        Width = width;
        Pixels = pixels;
        Labels = labels;
        ClassNames = classNames;
    }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public float[] Pixels { get; }
    public int[] Labels { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int Count => Labels.Length;
    public int ImageSize => Channels * Height * Width;
    public long[] Shape => [Count, Channels, Height, Width];

    public ReadOnlySpan<float> Image(int index) => Pixels.AsSpan(index * ImageSize, ImageSize);

    /// <summary>The images at <paramref name="indices"/>, in that order (copies).</summary>
    public ImageSet Subset(IReadOnlyList<int> indices)
    {
        var pixels = new float[(long)indices.Count * ImageSize];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * ImageSize, ImageSize));
            labels[i] = Labels[indices[i]];
        }
        return new ImageSet(Channels, Height, Width, pixels, labels, ClassNames);
    }

    /// <summary>
    /// Indices of <paramref name="perClass"/> images of every class, drawn with <paramref name="seed"/>, in class
    /// order; the held-out split of the zoo. Fails when a class has too few images.
    /// </summary>
    public int[] StratifiedSample(int perClass, int seed)
    {
        var random = new Random(seed);
        var chosen = new List<int>(perClass * ClassNames.Count);
        for (int c = 0; c < ClassNames.Count; c++)
        {
            var members = Enumerable.Range(0, Count).Where(i => Labels[i] == c).ToArray();
            if (members.Length < perClass)
                throw new ArgumentException($"class '{ClassNames[c]}' has {members.Length} images, fewer than the {perClass} asked for");
            random.Shuffle(members);
            chosen.AddRange(members.Take(perClass).Order());
        }
        return chosen.ToArray();
    }

    /// <summary>Rounds every pixel to the nearest of the 256 levels an 8-bit file can hold, so files and memory agree.</summary>
    public static float Quantize(float value) => ToByte(value) / 255f;

    public static byte ToByte(float value) => (byte)Math.Clamp(MathF.Round(value * 255f), 0f, 255f);
}
