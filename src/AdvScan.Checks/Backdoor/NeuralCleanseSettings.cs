using System.Globalization;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Backdoor;

/// <summary>The Neural Cleanse check's settings.</summary>
/// <param name="Images">Clean images of the scan's sample the triggers are optimised on; the rest of the sample judges them (ONNX Runtime).
/// When the sample holds fewer than twice this many, half of it is used for each.</param>
/// <param name="Threshold">Anomaly index (on the log mask norms, <see cref="AnomalyIndex.OfLog"/>) above which a class below the median is
/// flagged (the paper's 2).</param>
/// <param name="MinCompactness">A class is flagged only when its mask is patch-like (<see cref="TriggerCompactness"/> at least this);
/// small diffuse masks are reported as findings to inspect, not as backdoor targets. 0 flags on the index alone.</param>
/// <param name="Examples">Held-out images shown stamped with each reported trigger.</param>
/// <param name="Seed">Seeds the mask initialisation, batch order and the optimisation/evaluation split; null: the scan's seed.</param>
public sealed record NeuralCleanseSettings(NeuralCleanseOptions Options, int Images = 100, double Threshold = AnomalyIndex.DefaultThreshold,
    int Examples = 4, int? Seed = null, double MinCompactness = TriggerCompactness.DefaultMinimum) : CheckSettings
{
    public static NeuralCleanseSettings Default { get; } = new(new NeuralCleanseOptions());

    public override string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"Neural Cleanse on {Images} clean images, all classes in one batch: {Options.Describe()}; flag below the median with log-norm anomaly index > {Threshold} and a patch-like mask (compactness >= {MinCompactness})");

    public override void Validate(CheckContext context)
    {
        Options.Validate();
        if (Images < 1) throw new InvalidInputException(null, $"images must be at least 1, got {Images}");
        if (!(Threshold > 0) || !double.IsFinite(Threshold)) throw new InvalidInputException(null, $"anomaly threshold must be positive, got {Threshold}");
        if (!(MinCompactness >= 0 && MinCompactness <= 1)) throw new InvalidInputException(null, $"minimum compactness must lie in [0, 1], got {MinCompactness}");
        if (Examples < 0) throw new InvalidInputException(null, $"examples must not be negative, got {Examples}");
        int classes = context.ClassNames.Count;
        if (classes < 2)
            throw new InvalidInputException(context.Model.File, $"the model has {classes} class; Neural Cleanse compares classes and needs at least 2");
    }

    /// <summary>The seed actually used: the settings' own, else the scan's 64-bit seed folded to 32 bits.</summary>
    public int SeedFor(CheckContext context) => Seed ?? SeedFolding.Fold(context.Seed);
}
