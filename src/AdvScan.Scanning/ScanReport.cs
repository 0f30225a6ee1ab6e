using AdvScan.Attacks;
using AdvScan.Scanning.Configuration;

namespace AdvScan.Scanning;

/// <summary>How a gate came out. Near means it passed, but within the config's nearThreshold of failing.</summary>
public enum GateStatus { Pass, Near, Fail }

/// <summary>A rule: one kind of gate, with a stable id that code-scanning tools and MSBuild error codes use.</summary>
public sealed record GateRule(string Id, string Name, string ShortDescription, string FullDescription, string Help)
{
    public static readonly GateRule CleanAccuracy = new("ADV1001", "CleanAccuracyBelowThreshold",
        "Clean accuracy is below the configured minimum.",
        "The model's accuracy on unperturbed inputs, measured with ONNX Runtime, is below the threshold set in advscan.json.",
        "Check that the model and the input spec (normalisation, channel order, layout) match how it was trained; retrain if it really underperforms.");

    public static readonly GateRule RobustAccuracy = new("ADV1002", "RobustAccuracyBelowThreshold",
        "Robust accuracy under attack is below the configured minimum.",
        "The share of inputs that stay correctly classified under the configured attack and budget, verified with ONNX Runtime, is below the threshold.",
        "Harden the model with adversarial training (advscan harden, PGD min-max training), or lower the budget only if the threat model allows it.");

    public static readonly GateRule AttackSuccess = new("ADV1003", "AttackSuccessAboveThreshold",
        "An attack fools the model more often than allowed.",
        "The share of correctly classified inputs that the configured attack turns into misclassifications exceeds the threshold.",
        "Harden the model with adversarial training, or review the threat model (norm and budget) the gate encodes.");

    public static readonly GateRule RuntimeDisagreement = new("ADV1004", "RuntimeDisagreementAboveThreshold",
        "The differentiable graph and ONNX Runtime disagree on adversarial examples.",
        "Adversarial examples crafted on AdvScan's differentiable import of the model are classified differently by ONNX Runtime more often than allowed, so white-box results may not transfer to deployment.",
        "Run 'advscan model check' on the model to find the operator whose import differs from ONNX Runtime, and report it.");

    public static IReadOnlyList<GateRule> All { get; } = [CleanAccuracy, RobustAccuracy, AttackSuccess, RuntimeDisagreement];

    public static GateRule For(GateMetric metric) => metric switch
    {
        GateMetric.CleanAccuracy => CleanAccuracy,
        GateMetric.RobustAccuracy => RobustAccuracy,
        GateMetric.AttackSuccess => AttackSuccess,
        _ => RuntimeDisagreement,
    };
}

/// <summary>A judged gate: the figure measured, the value judged (point or interval bound), and the verdict.</summary>
public sealed record GateResult(GateConfig Gate, GateRule Rule, GateStatus Status, Proportion Measured, double JudgedValue, string Message);

/// <summary>One configured attack and what it found.</summary>
public sealed record AttackReport(AttackConfig Config, RobustnessResult Result, double? TransferRate = null);

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
    string ConfigFile,
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
}
