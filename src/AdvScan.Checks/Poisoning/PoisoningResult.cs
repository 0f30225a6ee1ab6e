namespace AdvScan.Checks.Poisoning;

/// <summary>A suspected poison sample: dataset index, where it lives, its label, combined score and the methods that marked it.</summary>
public sealed record SuspectedSample(int Index, string Location, int Label, double Score, IReadOnlyList<string> Methods);

/// <summary>Precision and recall of one method's marks against recorded poison.</summary>
public sealed record TruthFigures(string Method, int Marked, int TruePositives, int Poisoned)
{
    public double? Precision => Marked == 0 ? null : TruePositives / (double)Marked;
    public double Recall => Poisoned == 0 ? 0 : TruePositives / (double)Poisoned;
}

/// <summary>What the poisoning screen found in one training set.</summary>
/// <param name="Verdicts">Per method, per class.</param>
/// <param name="Suspected">Every marked sample, most suspicious first (index breaks ties).</param>
/// <param name="Truth">Per method and for the combined marks ("combined"), when a ground truth was given.</param>
public sealed record PoisoningResult(
    string Layer, int Dimensions, int Samples, IReadOnlyList<string> ClassNames,
    IReadOnlyList<ClassVerdict> Verdicts, IReadOnlyList<SuspectedSample> Suspected, IReadOnlyList<TruthFigures>? Truth)
{
    public IReadOnlyList<int> FlaggedClasses => Verdicts.Where(v => v.Flagged).Select(v => v.Class).Distinct().Order().ToList();

    /// <summary>The ids to leave out of retraining: dataset indices, ascending, one per line.</summary>
    public string ExclusionList() => string.Concat(Suspected.Select(s => s.Index).Order().Select(i => i + "\n"));

    public void WriteExclusions(string path) => TrustBoundary.WriteAllText(path, ExclusionList());
}
