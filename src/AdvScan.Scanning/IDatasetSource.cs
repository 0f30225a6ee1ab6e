using AdvScan.Onnx;
using AdvScan.Scanning.Configuration;

namespace AdvScan.Scanning;

/// <summary>Opens the data a config names, for a given model (whose input shape and metadata set the pixel mapping).</summary>
public interface IDatasetSource
{
    OpenedDataset Open(ScanConfig config, OnnxModel model, CancellationToken cancellationToken = default);
}

/// <summary>
/// An opened dataset: labels up front (for stratified sampling), and batches read on demand so a large set is never
/// held in memory whole.
/// </summary>
/// <param name="Read">Reads the given example indices in batches of at most the given size, in the given order.</param>
/// <param name="Sample">A seeded sample of the given size (stratified by class where the source can).</param>
/// <param name="Owner">What holds the files open (temporary extractions included); disposed with this.</param>
public sealed record OpenedDataset(
    string Description,
    IReadOnlyList<string> ClassNames,
    IReadOnlyList<int> Labels,
    PixelMapping Mapping,
    Func<IReadOnlyList<int>, int, CancellationToken, IEnumerable<LabeledBatch>> Read,
    Func<int, long, IReadOnlyList<int>> Sample,
    IDisposable? Owner = null) : IDisposable
{
    /// <summary>How pixels reach the model (the input spec), for the verdict cache's key; null: <see cref="Description"/>.</summary>
    public string? Preprocessing { get; init; }

    public void Dispose() => Owner?.Dispose();
}
