namespace AdvScan;

/// <summary>
/// Every diagnostic id AdvScan emits, in one table: CLI lines, MSBuild errors, SARIF rules and analyzer diagnostics all
/// take their id from here. Plain constants in C# that netstandard2.0 compiles too, so the MSBuild task and the Roslyn
/// analyzers link this file rather than copy ids.
/// </summary>
/// <remarks>
/// Ranges: ADV1xxx a gate or check finding on the scanned model or data; ADV2xxx bad input (exit code 2); ADV3xxx Roslyn
/// analyzers; ADV4xxx installation and tooling. Claiming an id: take the next free number in the range, add it here
/// with a one-line comment saying what it reports, and never reuse or renumber an id that has shipped (code-scanning
/// alerts and suppressions are keyed on it). Ids are reserved below for work in flight so parallel work cannot collide.
/// </remarks>
public static class DiagnosticIds
{
    // ADV1xxx: gates and findings.
    /// <summary>MSBuild fallback: the CLI said a gate failed but printed no coded diagnostic.</summary>
    public const string GateFailed = "ADV1000";
    public const string CleanAccuracy = "ADV1001";
    public const string RobustAccuracy = "ADV1002";
    public const string AttackSuccess = "ADV1003";
    public const string RuntimeDisagreement = "ADV1004";
    /// <summary>A universal adversarial patch takes over too many held-out images (patchSuccess).</summary>
    public const string PatchSuccess = "ADV1005";
    /// <summary>Neural Cleanse: a class is reachable with an anomalously small trigger (backdoorAnomalyIndex).</summary>
    public const string BackdoorAnomalyIndex = "ADV1006";
    /// <summary>Neural Cleanse: classes flagged as likely backdoor targets (backdoorFlaggedClasses).</summary>
    public const string BackdoorFlaggedClasses = "ADV1007";
    /// <summary>STRIP detects too few triggered inputs (stripDetection).</summary>
    public const string StripDetection = "ADV1008";
    /// <summary>Poisoning: classes whose training samples split into a suspicious cluster (poisonFlaggedClasses).</summary>
    public const string PoisonFlaggedClasses = "ADV1009";
    /// <summary>Poisoning: share of training samples marked as suspected poison (poisonSuspectedShare).</summary>
    public const string PoisonSuspectedShare = "ADV1010";
    /// <summary>Gradient masking: a noticeable share of zero input gradients.</summary>
    public const string MaskingZeroGradients = "ADV1011";
    /// <summary>Gradient masking: outputs are probabilities rather than logits.</summary>
    public const string MaskingProbabilityOutputs = "ADV1012";
    /// <summary>Gradient masking: repeated forward passes differ (a randomised model needs EOT).</summary>
    public const string MaskingRandomisedModel = "ADV1013";
    /// <summary>Gradient masking: the black-box attack beats the white-box ones.</summary>
    public const string MaskingBlackBoxStronger = "ADV1014";
    /// <summary>Gradient masking: robust accuracy rises with the budget.</summary>
    public const string MaskingNonMonotone = "ADV1015";
    /// <summary>Gradient masking: robust accuracy at eps 0 differs from clean accuracy.</summary>
    public const string MaskingZeroBudget = "ADV1016";
    /// <summary>The random-patch control of the patch attack changes too many predictions: occlusion alone breaks the model (patchControlSuccess).</summary>
    public const string PatchControlSuccess = "ADV1017";
    /// <summary>ONNX Runtime returned NaN or infinite outputs for the scanned model: its predictions cannot be judged (never counted as class 0).</summary>
    public const string NonFiniteOutputs = "ADV1018";
    /// <summary>Accuracy under common corruptions is below the gate's minimum (corruptionAccuracy).</summary>
    public const string CorruptionAccuracy = "ADV1019";
    /// <summary>Common corruptions add more error to the clean error than the gate allows (corruptionError).</summary>
    public const string CorruptionError = "ADV1020";
    /// <summary>The mean corruption error relative to a baseline model exceeds the gate's maximum (mCE).</summary>
    public const string MeanCorruptionError = "ADV1021";
    // Next free ADV1xxx: ADV1022.

    // ADV2xxx: bad input.
    /// <summary>MSBuild fallback: the CLI rejected its input without a coded diagnostic.</summary>
    public const string BadInput = "ADV2000";
    public const string BadConfig = "ADV2001";
    public const string BadModel = "ADV2002";
    public const string BadData = "ADV2003";
    // Next free ADV2xxx: ADV2004.

    // ADV3xxx: Roslyn analyzers (reserved for the analyzers issue).
    /// <summary>A model file is loaded in code but no AdvScanModel item gates it.</summary>
    public const string UngatedModelLoad = "ADV3001";
    /// <summary>The last scan's failed or near-threshold gate for the model loaded on this line.</summary>
    public const string ScanGateAtLoad = "ADV3002";
    /// <summary>A problem in advscan.json (unknown key, threshold outside [0,1]) reported on the JSON file.</summary>
    public const string ConfigProblem = "ADV3003";
    // Next free ADV3xxx: ADV3004.

    // ADV4xxx: installation and tooling.
    public const string CliNotFound = "ADV4001";
    public const string MSBuildInputs = "ADV4002";
    public const string MSBuildConfigWarning = "ADV4003";
    /// <summary>advscan failed for a reason that is not its input (a bug, the machine): exit code 3, one line; --verbose prints the trace.</summary>
    public const string CliCrashed = "ADV4004";
    public const string NativeRuntimeMissing = "ADV4005";
    /// <summary>A command ran past its time limit (advscan --timeout, exit 124; the MSBuild task's AdvScanTimeout) and was stopped.</summary>
    public const string TimedOut = "ADV4006";
    // Next free ADV4xxx: ADV4007.
}
