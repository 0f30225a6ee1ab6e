namespace AdvScan.Scanning;

/// <summary>
/// A rule: one kind of gate or finding, with a stable id (from <see cref="DiagnosticIds"/>) that code-scanning tools and
/// MSBuild error codes use. The scan's own rules are here; attacks and checks declare theirs with their metrics.
/// </summary>
public sealed record GateRule(string Id, string Name, string ShortDescription, string FullDescription, string Help)
{
    public static readonly GateRule CleanAccuracy = new(DiagnosticIds.CleanAccuracy, "CleanAccuracyBelowThreshold",
        "Clean accuracy is below the configured minimum.",
        "The model's accuracy on unperturbed inputs, measured with ONNX Runtime, is below the threshold set in advscan.json.",
        "Check that the model and the input spec (normalisation, channel order, layout) match how it was trained; retrain if it really underperforms.");

    public static readonly GateRule RobustAccuracy = new(DiagnosticIds.RobustAccuracy, "RobustAccuracyBelowThreshold",
        "Robust accuracy under attack is below the configured minimum.",
        "The share of inputs that stay correctly classified under the configured attack and budget, verified with ONNX Runtime, is below the threshold.",
        "Harden the model with adversarial training (advscan harden, PGD min-max training), or lower the budget only if the threat model allows it.");

    public static readonly GateRule AttackSuccess = new(DiagnosticIds.AttackSuccess, "AttackSuccessAboveThreshold",
        "An attack fools the model more often than allowed.",
        "The share of correctly classified inputs that the configured attack turns into misclassifications exceeds the threshold.",
        "Harden the model with adversarial training, or review the threat model (norm and budget) the gate encodes.");

    public static readonly GateRule RuntimeDisagreement = new(DiagnosticIds.RuntimeDisagreement, "RuntimeDisagreementAboveThreshold",
        "The differentiable graph and ONNX Runtime disagree on adversarial examples.",
        "Adversarial examples crafted on AdvScan's differentiable import of the model are classified differently by ONNX Runtime more often than allowed, so white-box results may not transfer to deployment.",
        "Run 'advscan model check' on the model to find the operator whose import differs from ONNX Runtime, and report it.");
}
