namespace AdvScan.MLNet;

/// <summary>The names of the columns the fitted AdvScan step adds to every row it transforms.</summary>
public static class AdvScanColumns
{
    /// <summary>
    /// What ONNX Runtime predicts on the row's adversarial example under the audit attack, in the label column's own
    /// type: a key (1-based, with the label's key values) when the label is a key, an Int32 class index (0-based)
    /// when it is an integer, so it compares with the label directly and MapKeyToValue names it. A row the model
    /// already misclassifies clean carries its clean prediction; a row that stayed robust carries its label.
    /// </summary>
    public const string AdversarialPrediction = "AdversarialPrediction";

    /// <summary>Boolean: ONNX Runtime still predicts the label after the attack at its largest budget (false when already wrong clean).</summary>
    public const string Robust = "Robust";

    /// <summary>Single: the attack's norm of (adversarial - clean) in [0,1] pixel space for a broken row; 0 for a robust or clean-misclassified row.</summary>
    public const string PerturbationNorm = "PerturbationNorm";

    /// <summary>Single: the row's STRIP entropy in bits (mean over the superimposed clean images); only with a STRIP guard.</summary>
    public const string StripEntropy = "StripEntropy";

    /// <summary>Boolean: the STRIP entropy is below the threshold calibrated at Fit; only with a STRIP guard.</summary>
    public const string SuspectedTrigger = "SuspectedTrigger";
}
