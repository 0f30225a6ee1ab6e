using System.Globalization;

namespace AdvScan.Attacks;

/// <summary>
/// What an attack says about itself: its name, the norms it supports (the first is its default), its defaults, the
/// config keys it reads and how its settings read in a report. The config reader, the JSON schema, `--help` and every
/// reporter take these facts from the registered attacks, so nothing outside an attack switches on its name.
/// </summary>
public interface IAttackInfo
{
    /// <summary>Lower-case name used in configs and on the command line, e.g. "pgd".</summary>
    string Name { get; }

    /// <summary>Norms this attack supports; the first is the one a config without "norm" gets.</summary>
    IReadOnlyList<Norm> Norms { get; }

    Norm DefaultNorm => Norms[0];

    /// <summary>Defaults of the settings the attack reads, where the user names none.</summary>
    AttackDefaults Defaults => AttackDefaults.Standard;

    /// <summary>
    /// Settings keys the attack reads besides "id", "attack", "norm" and "eps" (a subset of <see cref="AttackKeys.All"/>);
    /// a config entry naming any other key is an error on its line.
    /// </summary>
    IReadOnlyList<string> Keys { get; }

    /// <summary>The parameters that define the attack's strength, in words ("L2, 40 steps, ..."), naming only those it uses.</summary>
    string Describe(AttackSettings settings);
}

/// <summary>
/// What an attack sees of the model, declared by the attack: the CLI and reports say what the figures mean (runtime
/// disagreements, query counts, transfer rates) from this, never from an attack's name.
/// </summary>
public enum AttackAccess
{
    /// <summary>White-box: gradients of the target's own graph; ONNX Runtime then judges.</summary>
    Gradients,
    /// <summary>Score-based: queries ONNX Runtime's output scores.</summary>
    Scores,
    /// <summary>Label-only (decision-based): queries ONNX Runtime and reads only the predicted class.</summary>
    Labels,
    /// <summary>Crafted on a surrogate model and tested on the target: what it measures is transfer.</summary>
    Surrogate,
}

/// <summary>Per-attack defaults of <see cref="AttackSettings"/>.</summary>
public sealed record AttackDefaults(int Steps = 40, double? StepSize = null, int Restarts = 1, bool RandomStart = true, int Queries = 5000)
{
    public static AttackDefaults Standard { get; } = new();
}

/// <summary>The config keys of <see cref="AttackSettings"/>, with what each means, for validation, the schema and --help.</summary>
public static class AttackKeys
{
    public const string Steps = "steps";
    public const string StepSize = "stepSize";
    public const string Restarts = "restarts";
    public const string RandomStart = "randomStart";
    public const string TargetClass = "targetClass";
    public const string Queries = "queries";
    public const string Surrogate = "surrogate";
    public const string Rotation = "rotation";
    public const string Translation = "translation";
    public const string Grid = "grid";

    public static IReadOnlyList<string> All { get; } = [Steps, StepSize, Restarts, RandomStart, TargetClass, Queries, Surrogate, Rotation, Translation, Grid];

    /// <summary>Words for a report: the norm first, then the attack's own parts, then the target when there is one.</summary>
    public static string Describe(AttackSettings settings, params string[] parts)
    {
        var all = new List<string> { NormText(settings.Norm) };
        all.AddRange(parts);
        if (settings.TargetClass is { } t) all.Add(string.Create(CultureInfo.InvariantCulture, $"targeted at class {t}"));
        return string.Join(", ", all);
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A threat model in report words: "L-inf", "L2", "spatial".</summary>
    public static string NormText(Norm norm) => norm switch { Norm.L2 => "L2", Norm.Spatial => "spatial", _ => "L-inf" };
}
