using AdvScan.Scanning;

namespace AdvScan.Checks.Masking;

/// <summary>The six gradient-masking flags (Athalye et al. 2018; Croce &amp; Hein 2020's checklist), one rule each.</summary>
public static class MaskingRules
{
    public static readonly GateRule ZeroGradients = new(DiagnosticIds.MaskingZeroGradients, "MaskingZeroGradients",
        "Many input gradients are exactly zero.",
        "A noticeable share of the probed examples has an input gradient of exactly zero (saturated softmax, quantised or thresholded input, a non-differentiable step): white-box attacks see no direction there, so their robust accuracy overstates the model's.",
        "Trust the black-box and hard-label results (square, hopskipjump) or the autoattack preset, not a white-box curve alone; remove the saturation or attack through a differentiable approximation (BPDA).");

    public static readonly GateRule ProbabilityOutputs = new(DiagnosticIds.MaskingProbabilityOutputs, "MaskingProbabilityOutputs",
        "The model outputs probabilities, not logits.",
        "Every output row is non-negative and sums to 1. Cross-entropy on probabilities adds a second softmax whose gradient vanishes as the first saturates; AdvScan's white-box attacks therefore attack log-probabilities.",
        "Export the model without its final Softmax for scanning, or keep it and rely on the log-probability attack and the autoattack preset (its DLR loss is scale-invariant).");

    public static readonly GateRule RandomisedModel = new(DiagnosticIds.MaskingRandomisedModel, "MaskingRandomisedModel",
        "Repeated forward passes of the model differ.",
        "ONNX Runtime gave different outputs for the same inputs on two runs: the model is randomised, so single-sample gradients and verdicts are noisy and robust accuracy is overstated unless attacks use Expectation over Transformation (EOT).",
        "Attack the expectation over the randomness (EOT: average gradients over many forward passes) and judge each example over several passes.");

    public static readonly GateRule BlackBoxStronger = new(DiagnosticIds.MaskingBlackBoxStronger, "MaskingBlackBoxStronger",
        "A black-box attack beats the white-box attacks.",
        "At a budget where both ran, a score-based or hard-label attack (which sees no gradients) left fewer examples robust than every white-box attack: the gradients are misleading the white-box attacks.",
        "Treat the black-box figure as the model's robustness; look for masked gradients (zero-gradient and probability-output flags) and use the autoattack preset.");

    public static readonly GateRule NonMonotone = new(DiagnosticIds.MaskingNonMonotone, "MaskingNonMonotone",
        "Robust accuracy rises with the budget.",
        "Run independently at each budget, a white-box attack left more examples robust at a larger budget than at a smaller one, although every perturbation of the small ball is inside the large one: the attack is failing, not the model succeeding.",
        "Use more steps, restarts or the autoattack preset, and check the other masking flags.");

    public static readonly GateRule ZeroBudget = new(DiagnosticIds.MaskingZeroBudget, "MaskingZeroBudget",
        "Robust accuracy at eps 0 differs from clean accuracy.",
        "With no perturbation allowed, robust accuracy must equal clean accuracy; a difference means the evaluation itself is inconsistent (a randomised model, a preprocessing mismatch between the attack and the runtime).",
        "Check the input spec and the model for randomness, and rerun.");

    public static IReadOnlyList<GateRule> All { get; } = [ZeroGradients, ProbabilityOutputs, RandomisedModel, BlackBoxStronger, NonMonotone, ZeroBudget];
}
