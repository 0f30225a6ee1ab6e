namespace AdvScan.Data;

/// <summary>
/// A labelled image dataset read lazily: labels are known up front (they are small), pixels are decoded only for
/// the batches asked for, so a large set never sits in memory whole.
/// </summary>
public interface IImageDataset : IDisposable
{
    /// <summary>What the dataset was opened from, for messages and reports.</summary>
    string Name { get; }

    int Count { get; }

    /// <summary>Geometry of every image yielded, after the resize policy.</summary>
    ImageGeometry Geometry { get; }

    /// <summary>Class names by label index, when the dataset knows them (folders, named CSV labels).</summary>
    IReadOnlyList<string>? ClassNames { get; }

    /// <summary>Label of every example, by index.</summary>
    IReadOnlyList<int> Labels { get; }

    /// <summary>Inputs left out because <see cref="DatasetOptions.SkipInvalid"/> was set; empty otherwise.</summary>
    IReadOnlyList<SkippedInput> Skipped { get; }

    /// <summary>Where example <paramref name="index"/> came from ("a/b.png", "x.npy[3]").</summary>
    string Describe(int index);

    /// <summary>Reads the given examples, in the given order, in batches of at most <paramref name="batchSize"/>.</summary>
    IEnumerable<ImageBatch> ReadBatches(IReadOnlyList<int> indices, int batchSize, CancellationToken cancellationToken = default);
}
