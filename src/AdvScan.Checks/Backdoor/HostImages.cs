using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Backdoor;

/// <summary>Examples read into host memory: [N,C,H,W] pixels in [0,1] and their labels.</summary>
public sealed record HostImages(float[] Pixels, long[] Shape, int[] Labels)
{
    public int Count => Labels.Length;
    public int ImageSize => checked((int)(Shape[1] * Shape[2] * Shape[3]));
    public int Channels => (int)Shape[1];
    public int Height => (int)Shape[2];
    public int Width => (int)Shape[3];

    public static HostImages Read(CheckContext context, IReadOnlyList<int> indices) => Read(context.Read(indices));

    /// <summary>Every example of <paramref name="dataset"/> at <paramref name="indices"/> (all of it when null).</summary>
    public static HostImages Read(OpenedDataset dataset, IReadOnlyList<int>? indices = null, CancellationToken cancellationToken = default) =>
        Read(dataset.Read(indices ?? Enumerable.Range(0, dataset.Labels.Count).ToList(), 256, cancellationToken));

    private static HostImages Read(IEnumerable<LabeledBatch> batches)
    {
        var pixels = new List<float>();
        var labels = new List<int>();
        long[]? image = null;
        foreach (var batch in batches)
        {
            image ??= batch.Shape[1..];
            pixels.AddRange(batch.Pixels);
            labels.AddRange(batch.Labels);
        }
        if (image is null) return new HostImages([], [0, 1, 1, 1], []);
        return new HostImages(pixels.ToArray(), [labels.Count, .. image], labels.ToArray());
    }

    /// <summary>The examples at <paramref name="rows"/>, in that order.</summary>
    public HostImages Rows(IReadOnlyList<int> rows)
    {
        int size = ImageSize;
        var pixels = new float[rows.Count * size];
        for (int i = 0; i < rows.Count; i++) Pixels.AsSpan(rows[i] * size, size).CopyTo(pixels.AsSpan(i * size, size));
        return new HostImages(pixels, [rows.Count, Shape[1], Shape[2], Shape[3]], rows.Select(r => Labels[r]).ToArray());
    }

    public ReadOnlySpan<float> Image(int row) => Pixels.AsSpan(row * ImageSize, ImageSize);
}
