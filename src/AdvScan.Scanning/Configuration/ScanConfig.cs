using AdvScan.Attacks;
using AdvScan.Scanning.Checks;

namespace AdvScan.Scanning.Configuration;

/// <summary>
/// What a scan runs: a model, its data, the attacks and checks, and the gates. Read from <c>advscan.json</c> by
/// <see cref="ScanConfigReader"/> (paths absolute, every element keeping the 1-based line it came from, so a failed gate
/// or a bad value is reported on the right line), or built in code with <see cref="Create"/> and <c>with</c>, where
/// there is no file and every line is 0.
/// </summary>
public sealed record ScanConfig
{
    /// <summary>The advscan.json this came from; null when the config was built in code.</summary>
    public string? ConfigFile { get; init; }

    public required string Model { get; init; }
    public int ModelLine { get; init; }
    public required DataConfig Data { get; init; }
    public SpecConfig Spec { get; init; } = new();

    /// <summary>Examples in the seeded, class-stratified sample; 0 takes the whole dataset.</summary>
    public int SampleSize { get; init; }

    /// <summary>
    /// Sequential gates: examples are attacked in a seeded random order, a batch a round, and the scan stops at the
    /// first round where every gate's verdict is settled by an anytime-valid confidence sequence
    /// (<see cref="ConfidenceSequence"/>) at <see cref="Confidence"/>. advscan.json's <c>sample.sequential</c>.
    /// </summary>
    public bool Sequential { get; init; }

    /// <summary>The confidence sequential verdicts are settled at (1 - alpha): 0.95 unless <c>sample.confidence</c> says otherwise.</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>The line of the "sample" section (0 when absent or built in code), where sequential problems are reported.</summary>
    public int SampleLine { get; init; }

    public long Seed { get; init; }
    public string Device { get; init; } = "cpu";
    public int BatchSize { get; init; } = 64;
    public IReadOnlyList<AttackConfig> Attacks { get; init; } = [];
    public IReadOnlyList<CheckConfig> Checks { get; init; } = [];
    public IReadOnlyList<GateConfig> Gates { get; init; } = [];

    /// <summary>A passing gate this close to its threshold is reported as a warning.</summary>
    public double NearThreshold { get; init; } = 0.02;

    /// <summary>The bounds the scan runs under (the config's "limits" over the caller's); null keeps <see cref="ResourceLimits.Current"/>.</summary>
    public ResourceLimits? Limits { get; init; }

    /// <summary>A config in code: the model and data (relative paths against the current folder), nothing to run yet.</summary>
    /// <param name="dataRoot">The folder manifest rows and folder entries must stay inside; null: the data's own folder.</param>
    public static ScanConfig Create(string model, string data, string? labels = null, string? dataRoot = null) => new()
    {
        Model = Path.GetFullPath(model),
        Data = new DataConfig(Path.GetFullPath(data), labels is null ? null : Path.GetFullPath(labels), Root: dataRoot is null ? null : Path.GetFullPath(dataRoot)),
    };
}

/// <summary>Where the evaluation data comes from; <see cref="Labels"/> is for formats that keep labels apart (.npy, IDX).</summary>
/// <param name="Root">
/// The folder manifest rows and class-folder entries must resolve inside (links followed); null: the manifest's
/// folder or the image folder itself. advscan.json's <c>data.root</c>.
/// </param>
public sealed record DataConfig(string Path, string? Labels = null, int Line = 0, string? Root = null);

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
/// <param name="Attack">A registered attack's name (<see cref="ScanRegistry.Attacks"/>).</param>
/// <param name="Settings">Norm, steps and the rest; its epsilon and seed are set per run from <see cref="Epsilons"/> and the scan's seed.</param>
public sealed record AttackConfig(string Id, string Attack, IReadOnlyList<double> Epsilons, AttackSettings Settings, int Line = 0)
{
    public AttackSettings ToSettings(long seed) => Settings with { Epsilon = Epsilons.Count > 0 ? Epsilons.Max() : 0, Seed = seed };

    public Norm Norm => Settings.Norm;
}

/// <summary>One check to run (<see cref="IScanCheck"/>), with the settings record the check owns.</summary>
public sealed record CheckConfig(string Id, string Check, CheckSettings Settings, int Line = 0);

/// <summary>
/// Whether a gate is judged on the point estimate or on the pessimistic end of its 95% interval (the lower bound for
/// a minimum, the upper bound for a maximum), so that a small sample cannot pass by luck. Figures without an interval
/// (counts, scores) are judged on their value either way.
/// </summary>
public enum GateBound { Point, Confidence }

/// <summary>A threshold the scan must meet. Exactly one of <see cref="Min"/> and <see cref="Max"/> is set.</summary>
/// <param name="Metric">A metric name a registered attack or check provides (<see cref="ScanRegistry.Metrics"/>).</param>
/// <param name="Source">The id of the attack or check whose figure is judged; null for scan-wide figures.</param>
/// <param name="Budget">The budget of the source judged (an eps, a patch area); null when the figure has none.</param>
public sealed record GateConfig(string Id, string Metric, string? Source, double? Budget, double? Min, double? Max, GateBound Bound = GateBound.Point, int Line = 0)
{
    public double Threshold => Min ?? Max ?? 0;

    /// <summary>The label of the source's values judged (a corruption's name), named with the metric's <see cref="MetricDefinition.LabelKey"/>; null: the value without one.</summary>
    public string? Label { get; init; }
}
