namespace AdvScan.Scanning.Checks;

/// <summary>
/// What one configured check found. Reporters render every part without knowing the check. Deterministic: the same
/// model, data, settings and seed give the same report.
/// </summary>
/// <param name="Id">The config entry's id (gates name it as their "check" or "attack").</param>
/// <param name="Check">The registered check's name.</param>
/// <param name="Description">The settings in words (<see cref="CheckSettings.Describe"/>).</param>
/// <param name="Line">The config line of the entry; 0 when configured in code.</param>
public sealed record CheckReport(
    string Id,
    string Check,
    string Description,
    IReadOnlyList<MetricValue> Metrics,
    IReadOnlyList<CheckFinding> Findings,
    IReadOnlyList<ReportTable> Tables,
    IReadOnlyList<ReportImage> Images,
    int Line = 0)
{
    /// <summary>A report with metrics only; findings, tables and images are added with <c>with</c>.</summary>
    public static CheckReport Of(string id, string check, string description, IReadOnlyList<MetricValue> metrics) =>
        new(id, check, description, metrics, [], [], []);

    /// <summary>Charts of this report's own metrics (drawn from <see cref="Metrics"/>, so a merged report draws merged figures).</summary>
    public IReadOnlyList<ReportChart> Charts { get; init; } = [];
}

/// <summary>
/// One measured figure. Proportions carry <see cref="Proportion"/> (counts and Wilson interval, so gates may judge the
/// pessimistic bound and shards merge exactly); counts and scores carry <see cref="Value"/> alone.
/// </summary>
/// <param name="Budget">The budget this value belongs to (an eps, a patch area), matched by a gate's budget key.</param>
/// <param name="Label">Optional words shown next to the value in reports (e.g. "random-patch control").</param>
public sealed record MetricValue(string Metric, double? Budget, double Value, Proportion? Proportion = null, string? Label = null)
{
    public static MetricValue Of(string metric, Proportion proportion, double? budget = null, string? label = null) =>
        new(metric, budget, proportion.Value, proportion, label);

    public static MetricValue Scalar(string metric, double value, double? budget = null, string? label = null) =>
        new(metric, budget, value, null, label);
}

/// <summary>How loud a finding is in SARIF and the reports.</summary>
public enum FindingLevel { Note, Warning, Error }

/// <summary>
/// Something a check wants a person to look at: a flagged class, a suspicious training sample, a sign of gradient
/// masking. Reported in every format; in SARIF as a result under <see cref="Rule"/> located on the model.
/// </summary>
/// <param name="Classes">Class indices the finding is about (e.g. a likely backdoor target).</param>
/// <param name="Samples">Dataset examples the finding is about, most suspicious first.</param>
public sealed record CheckFinding(GateRule Rule, FindingLevel Level, string Message, IReadOnlyList<int>? Classes = null, IReadOnlyList<SampleRef>? Samples = null);

/// <summary>A dataset example: its index in the dataset, where it lives (file, or file and row), and a score.</summary>
public sealed record SampleRef(int Index, string Location, double Score);

/// <summary>A small table for the reports (per-class mask norms, per-area success): column titles and rows of text.</summary>
public sealed record ReportTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>
/// A line chart of some of a report's own metric values against their budget (accuracy against corruption severity):
/// each series is the values of one metric and label, in budget order, drawn with their 95% band when they are
/// proportions. It names values rather than holding numbers, so it always shows what <see cref="CheckReport.Metrics"/> says.
/// </summary>
public sealed record ReportChart(string Title, string XTitle, string YTitle, IReadOnlyList<ChartSeries> Series);

/// <summary>One line of a <see cref="ReportChart"/>: the values of <paramref name="Metric"/> with <paramref name="Label"/> (null: without a label) that have a budget.</summary>
public sealed record ChartSeries(string Name, string Metric, string? Label);

/// <summary>An image for the HTML report: pixels [C,H,W] in [0,1] (C is 1 or 3), with a caption.</summary>
/// <param name="Group">Images of one group are shown side by side (e.g. "recovered trigger, class 7").</param>
public sealed record ReportImage(string Group, string Caption, float[] Pixels, long[] Shape);
