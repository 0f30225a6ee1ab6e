namespace AdvScan.Checks.Poisoning;

/// <summary>One method's judgement of one class: the split's figures, whether it is flagged, and the samples it marks.</summary>
/// <param name="MinorityShare">The smaller cluster's share of the class (Chen et al.'s relative size).</param>
/// <param name="Silhouette">Mean silhouette of the split (reported; not the flagging rule, see <see cref="ClassSeparation"/>).</param>
/// <param name="Separation">Ashman's D of the split (the flagging statistic).</param>
/// <param name="Marked">Marked samples as dataset indices with their suspicion scores, most suspicious first (empty when not flagged).</param>
public sealed record ClassVerdict(
    string Method, int Class, int Count, double MinorityShare, double Silhouette, double Separation, bool Flagged,
    IReadOnlyList<(int Index, double Score)> Marked)
{
    /// <summary>Clustering: the flagged class's other cluster, ranked the same way (the poison when <see cref="Marked"/> is not).</summary>
    public IReadOnlyList<(int Index, double Score)> Other { get; init; } = [];

    /// <summary>Clustering, flagged classes: label agreement (<see cref="LabelConsistency"/>) of the marked and the other cluster.</summary>
    public (double Marked, double Other)? Agreement { get; init; }

    /// <summary>Spectral, flagged classes: every sample's coordinate along the top singular vector and its side of the 2-means split.</summary>
    public IReadOnlyList<(int Index, double Coordinate, int Side)> Projection { get; init; } = [];

    /// <summary>Which cluster was marked and why, for the report.</summary>
    public string? Choice { get; init; }
}
