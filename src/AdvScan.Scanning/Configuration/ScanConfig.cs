using AdvScan.Attacks;

namespace AdvScan.Scanning.Configuration;

/// <summary>
/// A parsed <c>advscan.json</c>. Paths are absolute (resolved against the config file's folder). Every element keeps
/// the 1-based line it came from, so a failed gate or a bad value can be reported on the right line.
/// </summary>
public sealed record ScanConfig(
    string ConfigFile,
    string Model,
    int ModelLine,
    DataConfig Data,
    SpecConfig Spec,
    int SampleSize,
    long Seed,
    string Device,
    int BatchSize,
    IReadOnlyList<AttackConfig> Attacks,
    IReadOnlyList<GateConfig> Gates,
    double NearThreshold);

/// <summary>Where the evaluation data comes from; <see cref="Labels"/> is for formats that keep labels apart (.npy, IDX).</summary>
public sealed record DataConfig(string Path, string? Labels, int Line);

/// <summary>Overrides of how pixels reach the model; null fields take the defaults read from the model.</summary>
public sealed record SpecConfig(
    string? Layout = null,
    string? ChannelOrder = null,
    double? Scale = null,
    IReadOnlyList<double>? Mean = null,
    IReadOnlyList<double>? Std = null,
    string? Resize = null,
    int Line = 0);

/// <summary>One attack to run, over one or more budgets.</summary>
/// <param name="Id">Name gates refer to (defaults to the attack name).</param>
/// <param name="Attack">Registered attack name: fgsm, pgd, apgd, cw, square, transfer.</param>
/// <param name="Surrogate">For transfer attacks: the model adversarial examples are crafted on.</param>
public sealed record AttackConfig(
    string Id,
    string Attack,
    Norm Norm,
    IReadOnlyList<double> Epsilons,
    int Steps,
    double? StepSize,
    int Restarts,
    bool RandomStart,
    int? TargetClass,
    int Queries,
    string? Surrogate,
    int Line)
{
    public AttackSettings ToSettings(long seed) =>
        new(Norm, Epsilons.Count > 0 ? Epsilons.Max() : 0, Steps, StepSize, Restarts, RandomStart, TargetClass, Queries, seed);
}

/// <summary>The figures a gate can judge.</summary>
public enum GateMetric
{
    /// <summary>Clean accuracy on ONNX Runtime (higher is better).</summary>
    CleanAccuracy,
    /// <summary>Robust accuracy under one attack at one budget, verified on ONNX Runtime (higher is better).</summary>
    RobustAccuracy,
    /// <summary>Share of correctly classified examples an attack fools (lower is better).</summary>
    AttackSuccess,
    /// <summary>Share of attacked examples where the differentiable graph and ONNX Runtime disagree (lower is better).</summary>
    RuntimeDisagreement,
}

/// <summary>
/// Whether a gate is judged on the point estimate or on the pessimistic end of its 95% interval (the lower bound for
/// a minimum, the upper bound for a maximum), so that a small sample cannot pass by luck.
/// </summary>
public enum GateBound { Point, Confidence }

/// <summary>A threshold the scan must meet. Exactly one of <see cref="Min"/> and <see cref="Max"/> is set.</summary>
public sealed record GateConfig(string Id, GateMetric Metric, string? Attack, double? Epsilon, double? Min, double? Max, GateBound Bound, int Line)
{
    public double Threshold => Min ?? Max ?? 0;
}
