using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Backdoor;

/// <summary>The rules and gateable metrics of the backdoor checks, with help that says what to do about a finding.</summary>
public static class BackdoorRules
{
    public static readonly GateRule AnomalyIndex = new(DiagnosticIds.BackdoorAnomalyIndex, "BackdoorAnomalyIndexAboveThreshold",
        "A class is reachable with an anomalously small trigger (Neural Cleanse).",
        "Neural Cleanse reverse-engineered, for every class, the smallest mask and pattern that send clean held-out images to it; " +
        "the anomaly index (distance below the median mask norm in units of 1.4826 x the median absolute deviation) of the smallest class exceeds the threshold. " +
        "A backdoored class needs a far smaller trigger than the others.",
        "Inspect the recovered trigger in the HTML report (mask, pattern, stamped examples); if it looks like a sticker or patch, " +
        "remove the backdoor with 'advscan harden --unlearn' and audit the training data for images carrying it.");

    public static readonly GateRule FlaggedClasses = new(DiagnosticIds.BackdoorFlaggedClasses, "BackdoorFlaggedClasses",
        "Neural Cleanse flags classes as likely backdoor targets.",
        "Classes whose reverse-engineered trigger is smaller than the median with an anomaly index above the check's threshold (2 in the paper) " +
        "are likely targets of a backdoor planted by poisoned training data (BadNets-style).",
        "Inspect each flagged class's recovered trigger in the report, unlearn it with 'advscan harden --unlearn' (fine-tunes on clean images " +
        "stamped with the trigger and their true labels), and audit the training data of the flagged classes for poisoned images.");

    public static readonly GateRule StripDetection = new(DiagnosticIds.StripDetection, "StripDetectionBelowThreshold",
        "STRIP detects too few inputs carrying the trigger.",
        "STRIP superimposes clean held-out images on an input and measures the entropy of the model's predictions (ONNX Runtime); " +
        "inputs with a working trigger keep a low entropy. The share of triggered inputs flagged at the calibrated false-rejection rate is below the minimum.",
        "A low detection rate means a STRIP filter in front of the model would let triggered inputs through: remove the backdoor " +
        "('advscan harden --unlearn'), audit the training data, or use a larger calibration set or more overlays.");

    public static readonly MetricDefinition AnomalyIndexMetric = new("backdoorAnomalyIndex", MetricDirection.LowerIsBetter, MetricUnit.Score,
        AnomalyIndex, "largest Neural Cleanse anomaly index");

    public static readonly MetricDefinition FlaggedClassesMetric = new("backdoorFlaggedClasses", MetricDirection.LowerIsBetter, MetricUnit.Count,
        FlaggedClasses, "classes flagged as backdoor targets");

    public static readonly MetricDefinition StripDetectionMetric = new("stripDetection", MetricDirection.HigherIsBetter, MetricUnit.Proportion,
        StripDetection, "STRIP detection of triggered inputs");
}
