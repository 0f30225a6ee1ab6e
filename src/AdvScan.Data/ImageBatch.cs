namespace AdvScan.Data;

/// <summary>Channels, height and width of every image a dataset yields (after its resize policy).</summary>
public readonly record struct ImageGeometry(int Channels, int Height, int Width)
{
    public int PixelsPerImage => Channels * Height * Width;
    public override string ToString() => $"{Channels}x{Height}x{Width}";
}

/// <summary>
/// A batch of labelled images: pixels in [0,1], NCHW, RGB channel order (or one gray channel), row-major.
/// <see cref="Sources"/> says where each example came from ("file.png", "labels.csv row 7", "x.npy[12]") so that
/// errors and reports can point at it.
/// </summary>
public sealed record ImageBatch(
    float[] Pixels,
    ImageGeometry Geometry,
    int[] Labels,
    int[] Indices,
    IReadOnlyList<string> Sources)
{
    public int Count => Labels.Length;
    public long[] Shape => [Count, Geometry.Channels, Geometry.Height, Geometry.Width];
}

/// <summary>An input that was left out because the caller asked to skip invalid inputs.</summary>
public sealed record SkippedInput(string Source, string Reason);
