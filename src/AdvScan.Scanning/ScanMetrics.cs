using AdvScan.Scanning.Checks;

namespace AdvScan.Scanning;

/// <summary>The figures the scan itself and every evasion attack provide; checks add their own (<see cref="IScanCheck.Metrics"/>).</summary>
public static class ScanMetrics
{
    public static MetricDefinition CleanAccuracy { get; } =
        new("cleanAccuracy", MetricDirection.HigherIsBetter, MetricUnit.Proportion, GateRule.CleanAccuracy, "clean accuracy");

    public static MetricDefinition RobustAccuracy { get; } =
        new("robustAccuracy", MetricDirection.HigherIsBetter, MetricUnit.Proportion, GateRule.RobustAccuracy, "robust accuracy under {source}", "eps");

    public static MetricDefinition AttackSuccess { get; } =
        new("attackSuccess", MetricDirection.LowerIsBetter, MetricUnit.Proportion, GateRule.AttackSuccess, "attack success of {source}", "eps");

    public static MetricDefinition RuntimeDisagreement { get; } =
        new("runtimeDisagreement", MetricDirection.LowerIsBetter, MetricUnit.Proportion, GateRule.RuntimeDisagreement, "runtime disagreement of {source}", "eps");

    /// <summary>Figures of the whole scan, with no source.</summary>
    public static IReadOnlyList<MetricDefinition> Scan { get; } = [CleanAccuracy];

    /// <summary>Figures every evasion attack provides per budget.</summary>
    public static IReadOnlyList<MetricDefinition> Attack { get; } = [RobustAccuracy, AttackSuccess, RuntimeDisagreement];
}
