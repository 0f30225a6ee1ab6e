namespace AdvScan.Scanning.Checks;

/// <summary>
/// A scan step that is not a per-example evasion attack: a universal patch attack, a backdoor check on the model, a
/// poisoning check on training data, or a user's own. A check plugs in by implementing this and registering it in DI
/// (<c>services.AddSingleton&lt;IScanCheck, MyCheck&gt;()</c>); the config reader, the JSON schema, the gates, SARIF
/// and every reporter then know it without a line of code outside its folder switching on its name.
/// </summary>
/// <remarks>
/// A check owns its facts: its <see cref="Name"/>, the config keys it reads (validated on their line by
/// <see cref="Configure"/>), the metrics it produces and the rule behind each, and how its settings read in a report
/// (<see cref="CheckSettings.Describe"/>). It reports through <see cref="CheckReport"/>: metrics (proportions carry
/// their counts so shards merge exactly), findings (flagged classes, suspicious samples), tables and images that
/// reporters render without knowing the check.
/// </remarks>
public interface IScanCheck
{
    /// <summary>Lower-case name used in configs and on the command line, e.g. "neural-cleanse".</summary>
    string Name { get; }

    /// <summary>One sentence for `--help`, the schema and reports: what the check measures.</summary>
    string Summary { get; }

    /// <summary>
    /// Whether the check may also be written in the config's <c>attacks</c> array as <c>{ "attack": Name, ... }</c>
    /// (a patch attack reads as an attack to users); every check may be written under <c>checks</c> as
    /// <c>{ "check": Name, ... }</c>.
    /// </summary>
    bool ConfiguredAsAttack => false;

    /// <summary>The keys the check reads from its config entry, besides "id" and "check"/"attack".</summary>
    IReadOnlyList<ConfigKey> Keys { get; }

    /// <summary>The figures the check produces, each gateable by name.</summary>
    IReadOnlyList<MetricDefinition> Metrics { get; }

    /// <summary>Rules of the findings the check may report (masking flags, flagged classes) that are not a metric's rule.</summary>
    IReadOnlyList<GateRule> FindingRules => [];

    /// <summary>
    /// Reads the check's settings from its config entry. Only the keys in <see cref="Keys"/> reach here (unknown keys are
    /// rejected before); problems are thrown with <see cref="ConfigSection.Fail"/> so they land on their line.
    /// </summary>
    CheckSettings Configure(ConfigSection section);

    /// <summary>
    /// Runs the check. Bad input (a class out of range, a region outside the image) is an
    /// <see cref="InvalidInputException"/>; without a file it is located on the check's config line.
    /// </summary>
    CheckReport Run(CheckContext context, CheckSettings settings);

    /// <summary>
    /// Combines this check's reports from the shards of one scan (<c>advscan merge</c>). The default
    /// (<see cref="CheckReportMerge.AddCounts"/>) adds every proportion's counts and requires every other value to be
    /// the same on every shard (computed on the whole sample). A check whose figures are derived from its counts (a
    /// mean over proportions, a ratio of error rates) recomputes them here from the added counts, so a merged report
    /// equals the unsharded one.
    /// </summary>
    CheckReport MergeShards(IReadOnlyList<CheckReport> shards) => CheckReportMerge.AddCounts(shards);
}

/// <summary>
/// A check's settings: an immutable record owned by the check. Code-first callers construct it directly; the config
/// reader gets it from <see cref="IScanCheck.Configure"/>.
/// </summary>
public abstract record CheckSettings
{
    /// <summary>The parameters that define the check's strength, in words, for every report ("500 Adam steps, square patch").</summary>
    public abstract string Describe();

    /// <summary>Checks ranges that can only be judged against the model and data (a target class, a region); throws <see cref="InvalidInputException"/>.</summary>
    public virtual void Validate(CheckContext context) { }

    /// <summary>The budgets the check runs at (patch areas, say), which a gate's budget key must name; empty when it has none.</summary>
    public virtual IReadOnlyList<double> Budgets => [];

    /// <summary>The labels a gate may pick with a metric's <see cref="MetricDefinition.LabelKey"/> (corruption names, say); empty when it has none.</summary>
    public virtual IReadOnlyList<string> GateLabels => [];
}

/// <summary>One config key a check or attack reads: name, JSON type, meaning and default, for validation, the schema and --help.</summary>
/// <param name="Type">JSON Schema type: "number", "integer", "string", "boolean", "array" (of numbers), "object", or "number|array".</param>
/// <param name="Enum">Allowed values of a string key, when it is a choice.</param>
public sealed record ConfigKey(string Name, string Type, string Description, string? Default = null, IReadOnlyList<string>? Enum = null);
