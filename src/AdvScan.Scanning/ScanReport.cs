using AdvScan.Attacks;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning.Configuration;

namespace AdvScan.Scanning;

/// <summary>How a gate came out. Near means it passed, but within the config's nearThreshold of failing.</summary>
public enum GateStatus { Pass, Near, Fail }

/// <summary>A judged gate: the figure measured, the value judged (point or interval bound), and the verdict.</summary>
/// <param name="Measured">The figure judged: a proportion with its interval, or a count or score.</param>
public sealed record GateResult(GateConfig Gate, GateRule Rule, GateStatus Status, MetricValue Measured, double JudgedValue, string Message)
{
    /// <summary>The figure in words ("robust accuracy under pgd at eps 0.3"), so a merge re-judges with the same text.</summary>
    public string Subject { get; init; } = "";

    /// <summary>How a sequential scan settled this gate (<see cref="SequentialGates"/>); null in a full-sample scan.</summary>
    public SequentialVerdict? Sequential { get; init; }
}

/// <summary>One configured attack and what it found.</summary>
public sealed record AttackReport(AttackConfig Config, RobustnessResult Result, double? TransferRate = null)
{
    /// <summary>The attack's own account of its settings (<see cref="IAttackInfo.Describe"/>), for every report.</summary>
    public string Description { get; init; } = "";

    /// <summary>
    /// The settings keys the attack declares (<see cref="IAttackInfo.Keys"/>): the parameters reports write
    /// (<see cref="AttackParameters"/>). Empty for the worst case over attacks, which has no settings of its own.
    /// </summary>
    public IReadOnlyList<string> Keys { get; init; } = [];
}

/// <summary>Accuracy of one class, clean and under the strongest configured attack budget.</summary>
public sealed record ClassAccuracy(int Class, string Name, Proportion Clean, Proportion? Robust);

/// <summary>An example for the human report: clean and adversarial pixels with the deployed model's verdicts.</summary>
public sealed record ExampleImage(int Label, float[] Clean, float[] Adversarial, long[] Shape, int CleanPrediction, float CleanConfidence, int AdversarialPrediction, float AdversarialConfidence);

/// <summary>
/// Everything a scan found; the single input of every reporter (JSON, SARIF, HTML, markdown) and of gating. Contains
/// no timestamps and no machine-dependent figures, so the same model, data, config and seed give the same report.
/// </summary>
public sealed record ScanReport(
    string ToolVersion,
    string? ConfigFile,
    string ModelFile,
    string ModelSha256,
    string Data,
    int Examples,
    long Seed,
    string Device,
    IReadOnlyList<string> ClassNames,
    Proportion CleanAccuracy,
    IReadOnlyList<AttackReport> Attacks,
    IReadOnlyList<GateResult> Gates,
    IReadOnlyList<ClassAccuracy> PerClass,
    IReadOnlyList<ExampleImage> Gallery)
{
    public bool Passed => Gates.All(g => g.Status != GateStatus.Fail);

    /// <summary>What each configured check found, in config order.</summary>
    public IReadOnlyList<CheckReport> Checks { get; init; } = [];

    /// <summary>Every rule a gate or finding of this scan can be reported under (the registered attacks' and checks'), for SARIF.</summary>
    public IReadOnlyList<GateRule> Rules { get; init; } = [];

    /// <summary>A sequential scan's sample and the examples it used (<see cref="Examples"/> is the latter); null for a full-sample scan.</summary>
    public SequentialScan? Sequential { get; init; }

    /// <summary>How much attacking this run did and what the verdict cache served. Not written to reports (a cache hit must give the same bytes).</summary>
    public ScanStatistics Statistics { get; init; } = new(0, 0, 0);
}

/// <summary>Batches attacked (one attack over one batch at every budget), batches served by the verdict cache, and cache entries refused.</summary>
public sealed record ScanStatistics(int BatchesAttacked, int CacheHits, int CacheRejected);
