namespace AdvScan.Checks.Poisoning;

/// <summary>One method's judgement of one class: the split's figures, whether it is flagged, and the samples it marks.</summary>
/// <param name="MinorityShare">The smaller cluster's share of the class (Chen et al.'s relative size).</param>
/// <param name="Silhouette">Mean silhouette of the split (reported; not the flagging rule, see <see cref="ClassSeparation"/>).</param>
/// <param name="Separation">Ashman's D of the split (the flagging statistic).</param>
/// <param name="Marked">Marked samples as dataset indices with their suspicion scores, most suspicious first (empty when not flagged).</param>
public sealed record ClassVerdict(
    string Method, int Class, int Count, double MinorityShare, double Silhouette, double Separation, bool Flagged,
    IReadOnlyList<(int Index, double Score)> Marked);
