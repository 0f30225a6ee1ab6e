using System.Globalization;

namespace AdvScan.Attacks;

/// <summary>
/// Threat model: the norm bounding the perturbation, measured in [0,1] pixel space; or <see cref="Spatial"/>, rotations
/// and translations whose budget is the share of the configured range (<see cref="AttackSettings.Rotation"/>,
/// <see cref="AttackSettings.Translation"/>) an attack may use.
/// </summary>
public enum Norm { LInf, L2, Spatial }

/// <summary>
/// Parameters every evasion attack reads the ones it needs from. Budgets are in [0,1] pixel space before any
/// normalisation (the convention of the literature): eps 0.3 on MNIST means 0.3 of the full pixel range.
/// </summary>
/// <param name="StepSize">Null means the attack's published default (PGD: 2.5 eps / steps).</param>
/// <param name="TargetClass">Null is untargeted; otherwise success means predicting this class.</param>
/// <param name="Queries">Query budget per example for score-based attacks.</param>
/// <param name="Surrogate">Transfer attacks: the ONNX model adversarial examples are crafted on.</param>
public sealed record AttackSettings(
    Norm Norm = Norm.LInf,
    double Epsilon = 0.3,
    int Steps = 40,
    double? StepSize = null,
    int Restarts = 1,
    bool RandomStart = true,
    int? TargetClass = null,
    int Queries = 5000,
    long Seed = 0,
    string? Surrogate = null)
{
    /// <summary>Settings with an attack's own defaults (<see cref="IAttackInfo.Defaults"/>, its default norm).</summary>
    public static AttackSettings DefaultsOf(IAttackInfo attack, double epsilon, long seed = 0) =>
        new(attack.DefaultNorm, epsilon, attack.Defaults.Steps, attack.Defaults.StepSize, attack.Defaults.Restarts, attack.Defaults.RandomStart,
            null, attack.Defaults.Queries, seed);

    /// <summary>Checks ranges; <paramref name="classes"/> bounds the target class when known.</summary>
    public void Validate(int? classes = null)
    {
        if (!double.IsFinite(Epsilon) || Epsilon < 0 || (Norm != Norm.L2 && Epsilon > 1))
            throw new InvalidInputException(null, Invariant($"eps must be in [0,1] for L-inf and spatial (and >= 0 for L2), got {Epsilon}"));
        if (Steps < 0) throw new InvalidInputException(null, $"steps must be >= 0, got {Steps}");
        if (Restarts < 1) throw new InvalidInputException(null, $"restarts must be >= 1, got {Restarts}");
        if (StepSize is { } s && (!double.IsFinite(s) || s <= 0)) throw new InvalidInputException(null, Invariant($"step size must be > 0, got {s}"));
        if (Queries < 0) throw new InvalidInputException(null, $"queries must be >= 0, got {Queries}");
        if (TargetClass is { } t && (t < 0 || (classes is { } n && t >= n)))
            throw new InvalidInputException(null, classes is { } k
                ? $"target class {t} is out of range; the model has {k} classes (0..{k - 1})"
                // Called before the model is opened (the class count unknown), only a negative class can be judged.
                : $"target class {t} is out of range; classes are numbered from 0");
    }

    /// <summary>Spatial attacks: the largest rotation, in degrees either way, at budget 1; null is the attack's default.</summary>
    public double? Rotation { get; init; }

    /// <summary>Spatial attacks: the largest translation, in pixels along each axis either way, at budget 1; null is the attack's default.</summary>
    public double? Translation { get; init; }

    /// <summary>Spatial attacks: a grid of this many rotations (and <see cref="GridTranslations"/> translations per axis) tried besides the random draws; 0 for none.</summary>
    public int GridRotations { get; init; }

    public int GridTranslations { get; init; }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
