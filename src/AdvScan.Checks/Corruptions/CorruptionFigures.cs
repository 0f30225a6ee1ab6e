using System.Globalization;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Corruptions;

/// <summary>
/// The corruptions check's figures, all derived from <see cref="CorruptionCounts"/>. Every metric is reported for the
/// whole run (no label, no budget), per severity (budget = severity), per family and per corruption (label), and per
/// family or corruption and severity, so a gate names any of them with "corruption" and "severity":
/// <list type="bullet">
/// <item><c>corruptionAccuracy</c>: the share of corrupted examples ONNX Runtime classifies correctly, averaged over
/// the corruption-severity cells chosen; its interval is Wilson's over the examples, not the cells (a mean of cells
/// measured on the same examples has no more evidence than its examples). Budget 0 without a label is clean accuracy.</item>
/// <item><c>corruptionError</c>: Hendrycks &amp; Dietterich's relative corruption error before any baseline, the error
/// under corruption minus the clean error, E_corrupted - E_clean (how many points of error the corruptions add).</item>
/// <item><c>mCE</c> (with a baseline): per corruption, the sum over the severities of the model's errors over the sum of
/// the baseline's, CE_c = sum_s E_s,c / sum_s E_s,c(baseline), averaged over the corruptions chosen (mCE over all);
/// 1 is as good as the baseline. A baseline without errors where the model has some gives infinity, neither having
/// any gives 1: the pessimistic reading of 0/0 is equality, and of x/0 unbounded.</item>
/// <item><c>baselineCorruptionAccuracy</c>: the baseline's corruptionAccuracy, kept so merged shards can recompute mCE.</item>
/// </list>
/// </summary>
public static class CorruptionFigures
{
    public const string Accuracy = "corruptionAccuracy";
    public const string Error = "corruptionError";
    public const string Mce = "mCE";
    public const string BaselineAccuracy = "baselineCorruptionAccuracy";

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>One figure's cells: the label and budget it is reported under, and which corruptions and severities it averages.</summary>
    private sealed record Selection(string? Label, int? Severity, IReadOnlyList<int> Corruptions, IReadOnlyList<int> Severities);

    public static IReadOnlyList<MetricValue> Metrics(CorruptionCounts counts)
    {
        var selections = Selections(counts).ToList();
        var metrics = new List<MetricValue>();
        metrics.AddRange(AccuracyValues(Accuracy, counts, counts.Correct, counts.CleanCorrect, selections));
        double cleanAccuracy = counts.Examples == 0 ? 0 : counts.CleanCorrect / (double)counts.Examples;
        metrics.AddRange(selections.Select(s => MetricValue.Scalar(Error, cleanAccuracy - Pooled(counts, counts.Correct, s).Value, s.Severity, s.Label)));
        if (counts.BaselineCorrect is { } baseline)
        {
            metrics.AddRange(selections.Select(s => MetricValue.Scalar(Mce, MeanCorruptionError(counts, baseline, s), s.Severity, s.Label)));
            metrics.AddRange(AccuracyValues(BaselineAccuracy, counts, baseline, counts.BaselineCleanCorrect, selections));
        }
        return metrics;
    }

    private static IEnumerable<Selection> Selections(CorruptionCounts counts)
    {
        var all = Enumerable.Range(0, counts.Corruptions.Count).ToList();
        var severities = Enumerable.Range(0, counts.Severities.Count).ToList();
        IEnumerable<Selection> Of(string? label, IReadOnlyList<int> corruptions)
        {
            yield return new Selection(label, null, corruptions, severities);
            foreach (var s in severities) yield return new Selection(label, counts.Severities[s], corruptions, [s]);
        }
        foreach (var s in Of(null, all)) yield return s;
        foreach (var family in Enum.GetValues<CorruptionFamily>())
        {
            var members = all.Where(c => counts.Corruptions[c].Family == family).ToList();
            if (members.Count == 0) continue;
            foreach (var s in Of(CorruptionSuite.FamilyName(family), members)) yield return s;
        }
        foreach (var c in all)
            foreach (var s in Of(counts.Corruptions[c].Name, [c])) yield return s;
    }

    private static IEnumerable<MetricValue> AccuracyValues(string metric, CorruptionCounts counts, int[,] correct, int cleanCorrect, IReadOnlyList<Selection> selections)
    {
        yield return MetricValue.Of(metric, Pooled(counts, correct, selections[0]));
        yield return MetricValue.Of(metric, Proportion.Of(cleanCorrect, counts.Examples), 0);
        foreach (var s in selections.Skip(1)) yield return MetricValue.Of(metric, Pooled(counts, correct, s), s.Severity, s.Label);
    }

    /// <summary>Correct predictions over the selection's cells, with the interval over the examples.</summary>
    private static Proportion Pooled(CorruptionCounts counts, int[,] correct, Selection s)
    {
        long successes = 0;
        foreach (var c in s.Corruptions) foreach (var k in s.Severities) successes += correct[c, k];
        int cells = s.Corruptions.Count * s.Severities.Count;
        return Proportion.Of(checked((int)successes), checked(counts.Examples * cells), cells);
    }

    private static double MeanCorruptionError(CorruptionCounts counts, int[,] baseline, Selection s) =>
        s.Corruptions.Average(c => CorruptionError(counts, baseline, c, s.Severities));

    /// <summary>CE of one corruption over some severities: the model's errors over the baseline's (same examples, so counts suffice).</summary>
    private static double CorruptionError(CorruptionCounts counts, int[,] baseline, int corruption, IReadOnlyList<int> severities)
    {
        long model = 0, reference = 0;
        foreach (var k in severities)
        {
            model += counts.Examples - counts.Correct[corruption, k];
            reference += counts.Examples - baseline[corruption, k];
        }
        return reference > 0 ? model / (double)reference : model == 0 ? 1 : double.PositiveInfinity;
    }

    /// <summary>
    /// Relative CE of one corruption (Hendrycks &amp; Dietterich): the error the corruption adds to the model over the
    /// error it adds to the baseline; null when it adds none to the baseline.
    /// </summary>
    private static double? RelativeCorruptionError(CorruptionCounts counts, int[,] baseline, int corruption)
    {
        long model = 0, reference = 0;
        for (int k = 0; k < counts.Severities.Count; k++)
        {
            model += counts.CleanCorrect - counts.Correct[corruption, k];
            reference += counts.BaselineCleanCorrect - baseline[corruption, k];
        }
        return reference > 0 ? model / (double)reference : null;
    }

    public static IReadOnlyList<ReportTable> Tables(CorruptionCounts counts)
    {
        var n = counts.Examples;
        string Rate(long correct, long trials) => trials == 0 ? "-" : string.Create(C, $"{100.0 * correct / trials:0.0}%");
        var columns = new List<string> { "corruption", "family" };
        columns.AddRange(counts.Severities.Select(s => string.Create(C, $"severity {s}")));
        columns.AddRange(["mean", "error added"]);
        var rows = new List<IReadOnlyList<string>>();
        double clean = n == 0 ? 0 : counts.CleanCorrect / (double)n;
        for (int c = 0; c < counts.Corruptions.Count; c++)
        {
            var row = new List<string> { counts.Corruptions[c].Name + (counts.Corruptions[c].Extra ? " (held out)" : ""), CorruptionSuite.FamilyName(counts.Corruptions[c].Family) };
            long sum = 0;
            for (int k = 0; k < counts.Severities.Count; k++) { row.Add(Rate(counts.Correct[c, k], n)); sum += counts.Correct[c, k]; }
            long trials = (long)n * counts.Severities.Count;
            row.Add(Rate(sum, trials));
            row.Add(trials == 0 ? "-" : string.Create(C, $"{100 * (clean - sum / (double)trials):+0.0;-0.0;0.0} pt"));
            rows.Add(row);
        }
        var mean = new List<string> { "mean", string.Create(C, $"clean {Rate(counts.CleanCorrect, n)}") };
        long total = 0;
        for (int k = 0; k < counts.Severities.Count; k++)
        {
            long column = 0;
            for (int c = 0; c < counts.Corruptions.Count; c++) column += counts.Correct[c, k];
            total += column;
            mean.Add(Rate(column, (long)n * counts.Corruptions.Count));
        }
        long cells = (long)n * counts.Corruptions.Count * counts.Severities.Count;
        mean.Add(Rate(total, cells));
        mean.Add(cells == 0 ? "-" : string.Create(C, $"{100 * (clean - total / (double)cells):+0.0;-0.0;0.0} pt"));
        rows.Add(mean);
        var tables = new List<ReportTable> { new("Accuracy under each corruption and severity (ONNX Runtime)", columns, rows) };
        if (counts.BaselineCorrect is { } baseline)
        {
            var severities = Enumerable.Range(0, counts.Severities.Count).ToList();
            var against = new List<IReadOnlyList<string>>();
            string Number(double? v) => v is not { } x ? "n/a" : double.IsPositiveInfinity(x) ? "inf" : string.Create(C, $"{100 * x:0.0}%");
            var relative = new List<double?>();
            for (int c = 0; c < counts.Corruptions.Count; c++)
            {
                long model = 0, reference = 0;
                foreach (var k in severities) { model += n - counts.Correct[c, k]; reference += n - baseline[c, k]; }
                var rce = RelativeCorruptionError(counts, baseline, c);
                relative.Add(rce);
                against.Add([counts.Corruptions[c].Name, Rate(model, (long)n * severities.Count), Rate(reference, (long)n * severities.Count),
                    Number(CorruptionError(counts, baseline, c, severities)), Number(rce)]);
            }
            double mce = counts.Corruptions.Count == 0 ? 0 : Enumerable.Range(0, counts.Corruptions.Count).Average(c => CorruptionError(counts, baseline, c, severities));
            against.Add(["mean", Rate(cells - total, cells), "", Number(mce), relative.All(r => r is not null) ? Number(relative.Average(r => r!.Value)) : "n/a"]);
            tables.Add(new ReportTable(
                string.Create(C, $"Against the baseline (clean accuracy {Rate(counts.BaselineCleanCorrect, n)}): corruption error CE = model errors / baseline errors over the severities, relative CE = error added to the model / error added to the baseline"),
                ["corruption", "model error", "baseline error", "CE", "relative CE"], against));
        }
        return tables;
    }

    public static IReadOnlyList<ReportChart> Charts(CorruptionCounts counts)
    {
        var series = new List<ChartSeries> { new("mean over corruptions (0 = clean)", Accuracy, null) };
        series.AddRange(Enum.GetValues<CorruptionFamily>().Where(f => counts.Corruptions.Any(c => c.Family == f))
            .Select(f => new ChartSeries(CorruptionSuite.FamilyName(f), Accuracy, CorruptionSuite.FamilyName(f))));
        if (counts.HasBaseline) series.Add(new ChartSeries("baseline, mean (0 = clean)", BaselineAccuracy, null));
        return [new ReportChart("Accuracy against corruption severity", "severity", "accuracy", series)];
    }

    /// <summary>
    /// The counts behind a report's figures (a merged one: its cells' counts already added over the shards); null when
    /// the report does not hold them.
    /// </summary>
    public static CorruptionCounts? CountsOf(IReadOnlyList<MetricValue> metrics)
    {
        var cells = metrics.Where(m => m.Metric == Accuracy && m.Label is not null && m.Budget is > 0 && m.Proportion is { TrialsPerExample: 1 }).ToList();
        var corruptions = CorruptionSuite.All.Where(c => cells.Any(m => m.Label == c.Name)).ToList();
        var severities = cells.Select(m => (int)m.Budget!.Value).Distinct().Order().ToList();
        var clean = metrics.FirstOrDefault(m => m.Metric == Accuracy && m.Label is null && m.Budget == 0);
        if (corruptions.Count == 0 || clean?.Proportion is not { } cleanCount) return null;
        bool hasBaseline = metrics.Any(m => m.Metric == BaselineAccuracy);
        var counts = new CorruptionCounts(corruptions, severities, hasBaseline) { Examples = cleanCount.Trials, CleanCorrect = cleanCount.Successes };
        int Cell(string metric, string label, int severity) =>
            metrics.FirstOrDefault(m => m.Metric == metric && m.Label == label && m.Budget == severity)?.Proportion?.Successes
                ?? throw new InvalidInputException(null, $"the corruptions report lacks {metric} for {label} at severity {severity}");
        for (int c = 0; c < corruptions.Count; c++)
            for (int k = 0; k < severities.Count; k++)
            {
                counts.Correct[c, k] = Cell(Accuracy, corruptions[c].Name, severities[k]);
                if (counts.BaselineCorrect is { } b) b[c, k] = Cell(BaselineAccuracy, corruptions[c].Name, severities[k]);
            }
        if (hasBaseline)
            counts.BaselineCleanCorrect = metrics.FirstOrDefault(m => m.Metric == BaselineAccuracy && m.Label is null && m.Budget == 0)?.Proportion?.Successes ?? 0;
        return counts;
    }
}
