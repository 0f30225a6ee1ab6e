namespace AdvScan.Checks.Corruptions;

/// <summary>
/// What the corruptions check counted on its examples: correct ONNX Runtime predictions, clean and per corruption and
/// severity, for the model and (when one is configured) the baseline. Every reported figure derives from these counts
/// (<see cref="CorruptionFigures"/>), and shards add them, so a merged report equals the unsharded one.
/// </summary>
public sealed class CorruptionCounts
{
    public CorruptionCounts(IReadOnlyList<Corruption> corruptions, IReadOnlyList<int> severities, bool hasBaseline)
    {
        Corruptions = corruptions;
        Severities = severities;
        Correct = new int[corruptions.Count, severities.Count];
        BaselineCorrect = hasBaseline ? new int[corruptions.Count, severities.Count] : null;
    }

    public IReadOnlyList<Corruption> Corruptions { get; }
    public IReadOnlyList<int> Severities { get; }
    public int Examples { get; set; }
    public int CleanCorrect { get; set; }
    public int BaselineCleanCorrect { get; set; }

    /// <summary>[corruption, severity] correct predictions of the model.</summary>
    public int[,] Correct { get; }

    /// <summary>The same for the baseline; null without one.</summary>
    public int[,]? BaselineCorrect { get; }

    public bool HasBaseline => BaselineCorrect is not null;
}
