using System.Globalization;
using System.Text.RegularExpressions;

namespace AdvScan.Scanning.Checks;

/// <summary>Which way a figure should move: a gate on a higher-is-better figure sets a minimum, the other kind a maximum.</summary>
public enum MetricDirection { HigherIsBetter, LowerIsBetter }

/// <summary>What a figure counts: a share with a Wilson interval, a count, or a plain score.</summary>
public enum MetricUnit { Proportion, Count, Score }

/// <summary>
/// A gateable figure: its name in configs (camelCase, e.g. "patchSuccess"), its direction and unit, and the rule a
/// failed or near-threshold gate on it is reported under (SARIF rule and MSBuild error code).
/// </summary>
/// <param name="BudgetKey">
/// The gate key that picks one budget of the source (e.g. "eps" for attacks, "area" for patches); null when the figure
/// has one value per source. A gate without it judges the source's largest budget.
/// </param>
/// <param name="Subject">Words for the figure in messages, e.g. "patch success"; the source and budget are added.</param>
public sealed record MetricDefinition(string Name, MetricDirection Direction, MetricUnit Unit, GateRule Rule, string Subject, string? BudgetKey = null)
{
    /// <summary>
    /// The gate key that picks values by their <see cref="MetricValue.Label"/> (e.g. "corruption": "fog"), whose
    /// allowed values the source's settings list (<see cref="CheckSettings.GateLabels"/>); null when labels are words only.
    /// A gate naming no label judges the value reported without one.
    /// </summary>
    public string? LabelKey { get; init; }

    /// <summary>
    /// The source reports a value over all its budgets (a mean over severities, with no budget), which a gate naming no
    /// budget judges instead of the largest budget.
    /// </summary>
    public bool AggregatesBudgets { get; init; }

    /// <summary>
    /// "patch success of patch at area 0.1", for gate messages. A subject may place the source itself with "{source}"
    /// ("robust accuracy under {source}"); without a source that part is left out.
    /// </summary>
    public string Describe(string? source, double? budget) => Describe(source, budget, null);

    /// <summary>As <see cref="Describe(string?, double?)"/>, with the label a gate picked ("... for fog at severity 3").</summary>
    public string Describe(string? source, double? budget, string? label)
    {
        var subject = Subject.Contains(SourcePlaceholder, StringComparison.Ordinal)
            ? source is null ? Regex.Replace(Subject, @"\s+\S+\s+\{source\}", "") : Subject.Replace(SourcePlaceholder, source, StringComparison.Ordinal)
            : Subject + (source is null ? "" : $" of {source}");
        if (label is not null && LabelKey is { } labelKey) subject += $" for {labelKey} {label}";
        return subject + (budget is { } b && BudgetKey is { } key ? string.Create(CultureInfo.InvariantCulture, $" at {key} {b}") : "");
    }

    private const string SourcePlaceholder = "{source}";

    /// <summary>Proportions and scores are thresholds in [0,1] or any finite number respectively; counts are whole numbers.</summary>
    public bool ThresholdIsFraction => Unit == MetricUnit.Proportion;
}
