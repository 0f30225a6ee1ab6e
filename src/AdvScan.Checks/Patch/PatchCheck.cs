using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Patch;

/// <summary>
/// The universal adversarial patch attack as a scan check: how often one printed sticker of a given area takes the
/// model over on held-out images, under physical transformations, judged by ONNX Runtime, beside a random sticker of
/// the same size as the control that separates the patch's content from mere occlusion.
/// </summary>
public sealed class PatchCheck : IScanCheck
{
    public static readonly GateRule SuccessRule = new(DiagnosticIds.PatchSuccess, "PatchSuccessAboveThreshold",
        "A universal adversarial patch takes over too many held-out images.",
        "One patch (a printable sticker of the configured area), optimised under expectation over transformation on the training part of the sample, makes ONNX Runtime predict the target class (or any wrong class) on more held-out images than the threshold allows, under fresh random placements, rotations, lighting, blur and noise.",
        "L-inf adversarial training does not protect against patches. Consider patch-robust training (adversarial training with patches, e.g. PatchGuard-style certified defences), input-region masking, or restricting the threat model (region, area) the gate encodes.");

    public static readonly GateRule ControlRule = new(DiagnosticIds.PatchControlSuccess, "RandomPatchSuccessAboveThreshold",
        "A random patch of the configured area alone changes too many predictions.",
        "A patch of uniformly random pixels, of the same size and under the same transformations as the adversarial patch, makes ONNX Runtime predict the target class (or any wrong class) on more held-out images than the threshold allows: occlusion alone breaks the model.",
        "Train with occlusion augmentation (random erasing, cutout) and re-check; if the control is high, the adversarial patch's figure says little about its content.");

    public string Name => "patch";

    public string Summary => "Universal adversarial patch (Brown et al. 2017) under expectation over transformation: one printable sticker per area budget, optimised on part of the sample, judged by ONNX Runtime on the held-out part beside a random-patch control.";

    public bool ConfiguredAsAttack => true;

    public IReadOnlyList<ConfigKey> Keys { get; } = PatchConfig.Keys;

    /// <summary>Held-out success of the strongest patch found, per area.</summary>
    public static MetricDefinition Success { get; } = new("patchSuccess", MetricDirection.LowerIsBetter, MetricUnit.Proportion, SuccessRule, "patch success", BudgetKey: "area");

    /// <summary>Held-out success of a random patch of the same area: the baseline the patch is read against.</summary>
    public static MetricDefinition ControlSuccess { get; } = new("patchControlSuccess", MetricDirection.LowerIsBetter, MetricUnit.Proportion, ControlRule, "random-patch control success", BudgetKey: "area");

    public IReadOnlyList<MetricDefinition> Metrics { get; } = [Success, ControlSuccess];

    public CheckSettings Configure(ConfigSection section) => PatchConfig.Read(section);

    public CheckReport Run(CheckContext context, CheckSettings settings)
    {
        var patchSettings = settings as PatchSettings ?? throw new ArgumentException($"the patch check takes {nameof(PatchSettings)}, not {settings.GetType().Name}", nameof(settings));
        // The scanner puts the config entry's id on the report; the check's name stands in until then.
        return new PatchRun(context, patchSettings).Run(Name);
    }
}
