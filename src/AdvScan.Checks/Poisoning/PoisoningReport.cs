using System.Globalization;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Poisoning;

/// <summary>Turns a <see cref="PoisoningResult"/> into the check's report: metrics, one finding per flagged class, tables and an image grid.</summary>
public static class PoisoningReport
{
    private const double NearEvenShare = 0.4;

    private static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);

    public static CheckReport Build(CheckContext context, PoisoningSettings settings, PoisoningResult result, OpenedDataset data)
    {
        var flagged = result.FlaggedClasses;
        var metrics = new List<MetricValue>
        {
            MetricValue.Scalar("poisonFlaggedClasses", flagged.Count),
            MetricValue.Of("poisonSuspectedShare", Proportion.Of(result.Suspected.Count, result.Samples)),
        };
        var findings = flagged.Select(c =>
        {
            var samples = result.Suspected.Where(x => x.Label == c).Select(x => new SampleRef(x.Index, x.Location, x.Score)).ToList();
            var verdicts = result.Verdicts.Where(v => v.Class == c && v.Flagged).ToList();
            var by = string.Join(" and ", verdicts.Select(v => v.Method));
            // Chen et al. take the smaller cluster for the poison; when the split is near even and label agreement does
            // not settle it either, the finding says so instead of implying certainty.
            var clustering = verdicts.FirstOrDefault(v => v.Method == ActivationClustering.Name);
            bool unsettled = clustering is { Agreement: { } a } && clustering.MinorityShare >= NearEvenShare && Math.Abs(a.Marked - a.Other) < PoisonScreening.AgreementMargin;
            var choice = clustering?.Choice is { } why ? $"; clustering marked {why}" : "";
            var even = unsettled
                ? string.Create(CultureInfo.InvariantCulture, $"; the split is near even ({clustering!.MinorityShare:P0} in the smaller cluster), so check the image grid: if the marked samples look like genuine '{result.ClassNames[c]}', the other cluster is the poison")
                : "";
            return new CheckFinding(PoisoningCheck.FlaggedClassesRule, FindingLevel.Error,
                $"class {c} ('{result.ClassNames[c]}') of the training set holds a separated cluster in {result.Layer}, flagged by {by}: {samples.Count} of its {verdicts[0].Count} samples are suspected poison{choice}{even}",
                [c], samples);
        }).ToList();
        var tables = new List<ReportTable> { Verdicts(result) };
        if (result.Truth is { } truth)
            tables.Add(new ReportTable("Against the recorded poison", ["method", "marked", "true positives", "poisoned", "precision", "recall"],
                truth.Select(t => (IReadOnlyList<string>)[t.Method, t.Marked.ToString(CultureInfo.InvariantCulture), t.TruePositives.ToString(CultureInfo.InvariantCulture),
                    t.Poisoned.ToString(CultureInfo.InvariantCulture), t.Precision is { } p ? F(p) : "-", F(t.Recall)]).ToList()));
        // The context does not carry the config entry's id; the scanner names the report after its entry.
        return new CheckReport(PoisoningCheck.CheckName, PoisoningCheck.CheckName, settings.Describe(), metrics, findings, tables, Images(result, data, settings.Images, context.CancellationToken), context.Line);
    }

    private static ReportTable Verdicts(PoisoningResult result) => new(
        $"Per-class verdicts ({result.Layer}, {result.Dimensions} dimensions)",
        ["class", "method", "samples", "smaller cluster share", "silhouette", "separation (D)", "flagged", "marked", "label agreement (marked / other)"],
        result.Verdicts.Select(v => (IReadOnlyList<string>)[$"{v.Class} ({result.ClassNames[v.Class]})", v.Method, v.Count.ToString(CultureInfo.InvariantCulture),
            F(v.MinorityShare), F(v.Silhouette), F(v.Separation), v.Flagged ? "yes" : "no", v.Marked.Count.ToString(CultureInfo.InvariantCulture),
            v.Agreement is { } a ? $"{F(a.Marked)} / {F(a.Other)}" : "-"]).ToList());

    /// <summary>The most suspicious samples' pixels, read back from the training set (only these few are read).</summary>
    public static IReadOnlyList<ReportImage> Images(PoisoningResult result, OpenedDataset data, int count, CancellationToken cancellationToken)
    {
        var top = result.Suspected.Take(count).ToList();
        if (top.Count == 0) return [];
        var images = new List<ReportImage>();
        int k = 0;
        foreach (var batch in data.Read(top.Select(s => s.Index).ToList(), Math.Max(1, top.Count), cancellationToken))
        {
            long[] shape = [batch.Shape[1], batch.Shape[2], batch.Shape[3]];
            int size = checked((int)(shape[0] * shape[1] * shape[2]));
            for (int i = 0; i < batch.Labels.Length; i++, k++)
            {
                var s = top[k];
                images.Add(new ReportImage("most suspicious training samples",
                    string.Create(CultureInfo.InvariantCulture, $"#{s.Index} {s.Location}, label {result.ClassNames[s.Label]}, score {s.Score:0.000} ({string.Join("+", s.Methods)})"),
                    batch.Pixels.AsSpan(i * size, size).ToArray(), shape));
            }
        }
        return images;
    }
}
