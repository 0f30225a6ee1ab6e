using System.Globalization;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Backdoor;

/// <summary>The STRIP check's settings.</summary>
/// <param name="Truth">A *.backdoor.json ground truth whose trigger the triggered inputs carry; null: Neural Cleanse recovers one first.</param>
/// <param name="Calibration">Clean images of the sample the threshold is calibrated on (and the overlays drawn from); the rest of the
/// sample is stamped with the trigger and scored. When the sample holds fewer than twice this many, half of it is used for each.</param>
/// <param name="NeuralCleanse">How the trigger is recovered when no truth is given.</param>
/// <param name="Seed">Seeds the split and the overlay draw; null: the scan's seed.</param>
public sealed record StripSettings(StripOptions Options, string? Truth = null, int Calibration = 100, NeuralCleanseSettings? NeuralCleanse = null,
    int? Seed = null) : CheckSettings
{
    public static StripSettings Default { get; } = new(new StripOptions());

    public override string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Options.Describe()}, calibrated on {Calibration} clean images; trigger {(Truth is null ? "recovered by Neural Cleanse" : "from " + Path.GetFileName(Truth))}");

    public override void Validate(CheckContext context)
    {
        Options.Validate();
        if (Calibration < 2) throw new InvalidInputException(null, $"STRIP calibration needs at least 2 images, got {Calibration}");
        if (Truth is null) (NeuralCleanse ?? NeuralCleanseSettings.Default).Validate(context);
        else TrustBoundary.RequireRegularFile(Truth, "backdoor ground truth file");
    }

    public int SeedFor(CheckContext context) => Seed ?? SeedFolding.Fold(context.Seed);
}
