using AdvScan.Attacks;
using AdvScan.Scanning.Attacks;
using AdvScan.Scanning.Checks;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Scanning;

/// <summary>
/// Everything a config may name, taken from what is registered in DI: attacks (white-box, score-based and those that
/// bring their own crafting, such as transfer), checks, and the metrics gates can judge. The config reader, the
/// schema writer and the scanner all ask this, so a plug-in attack or check is known everywhere at once.
/// </summary>
public sealed class ScanRegistry
{
    private readonly Dictionary<string, ICraftingAttack> attacks;
    private readonly Dictionary<string, IScanCheck> checks;
    private readonly Dictionary<string, MetricDefinition> metrics;

    public ScanRegistry(IEnumerable<IEvasionAttack> evasion, IEnumerable<IScoreBasedAttack> scoreBased, IEnumerable<ICraftingAttack> crafting, IEnumerable<IScanCheck> scanChecks)
    {
        Attacks = evasion.Select(a => (ICraftingAttack)new WhiteBoxAttack(a))
            .Concat(scoreBased.Select(a => new ScoreBasedAttack(a)))
            .Concat(crafting)
            .ToList();
        Checks = scanChecks.ToList();
        attacks = Unique(Attacks, a => a.Name, "attack");
        checks = Unique(Checks, c => c.Name, "check");
        foreach (var check in Checks)
            if (check.ConfiguredAsAttack && attacks.ContainsKey(check.Name))
                throw new InvalidOperationException($"check '{check.Name}' is configured as an attack, and an attack of that name is registered too");
        Metrics = ScanMetrics.Scan.Concat(ScanMetrics.Attack).Concat(Checks.SelectMany(c => c.Metrics)).ToList();
        metrics = Unique(Metrics, m => m.Name, "metric");
        Rules = Metrics.Select(m => m.Rule).Concat(Checks.SelectMany(c => c.FindingRules))
            .GroupBy(r => r.Id).Select(g => g.First()).OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>The scanner's own registrations (<see cref="ScanServiceCollectionExtensions.AddAdvScanScanner"/>): built-in attacks, no checks.</summary>
    public static ScanRegistry Default => DefaultRegistry.Value;

    private static readonly Lazy<ScanRegistry> DefaultRegistry = new(() =>
    {
        using var services = new ServiceCollection().AddAdvScanScanner().BuildServiceProvider();
        return services.GetRequiredService<ScanRegistry>();
    });

    public IReadOnlyList<ICraftingAttack> Attacks { get; }
    public IReadOnlyList<IScanCheck> Checks { get; }

    /// <summary>Every gateable metric: the scan's, the attacks', and each check's.</summary>
    public IReadOnlyList<MetricDefinition> Metrics { get; }

    /// <summary>Every rule a gate or finding may be reported under, ordered by id.</summary>
    public IReadOnlyList<GateRule> Rules { get; }

    public ICraftingAttack? Attack(string name) => attacks.GetValueOrDefault(name);
    public IScanCheck? Check(string name) => checks.GetValueOrDefault(name);
    public MetricDefinition? Metric(string name) => metrics.GetValueOrDefault(name);

    /// <summary>Whether the metric is one every attack provides (robustAccuracy, ...), rather than a check's own.</summary>
    public static bool IsAttackMetric(MetricDefinition metric) => ScanMetrics.Attack.Contains(metric);

    private static Dictionary<string, T> Unique<T>(IEnumerable<T> items, Func<T, string> name, string what)
    {
        var map = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items)
            if (!map.TryAdd(name(item), item))
                throw new InvalidOperationException($"two {what}s are registered under the name '{name(item)}'");
        return map;
    }
}
