using System.Globalization;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Poisoning;

/// <summary>
/// The "poisoning" check: screens a training set for poisoned samples with activation clustering and/or spectral
/// signatures on the model's late-layer representations, and reports flagged classes, ranked suspects and (with a
/// ground truth) precision and recall.
/// </summary>
public sealed class PoisoningCheck : IScanCheck
{
    public const string CheckName = "poisoning";

    public static readonly GateRule FlaggedClassesRule = new(DiagnosticIds.PoisonFlaggedClasses, "PoisonFlaggedClasses",
        "Training classes with a suspected poison cluster",
        "A class's training samples split into two clearly separated groups in the model's late-layer activations, the trace poisoned samples leave (Chen et al. 2018; Tran et al. 2018).",
        "Inspect the suspected samples listed for the class, remove the ones that are poison (the exclusion file lists them) and retrain.");

    public static readonly GateRule SuspectedShareRule = new(DiagnosticIds.PoisonSuspectedShare, "PoisonSuspectedShare",
        "Share of training samples suspected to be poison",
        "The share of the training set that activation clustering or spectral signatures marked as suspected poison within flagged classes.",
        "Review the marked samples (the HTML report shows the most suspicious) and retrain without them.");

    public string Name => CheckName;

    public string Summary => "Screens a training set for poisoned samples (activation clustering, spectral signatures) in the model's late-layer activations.";

    public IReadOnlyList<ConfigKey> Keys { get; } =
    [
        new("data", "string", "The training set to screen (image folder, CSV, NPY/NPZ or IDX); relative to the config."),
        new("labels", "string", "A labels file for data formats that need one (IDX)."),
        new("method", "string", "Which detector(s) to run.", "both", ["clustering", "spectral", "both"]),
        new("truth", "string", "A *.backdoor.json ground truth indexing the training set: precision and recall are reported."),
        new("expectedPoisonRate", "number", "Spectral signatures: the expected share of poison in a poisoned class (epsilon).", "0.1"),
        new("flagShare", "number", "Spectral signatures mark the top flagShare x expectedPoisonRate of a flagged class.", "1.5"),
        new("layer", "string", "Node or value to take representations from.", "the input of the last Gemm/MatMul"),
        new("dimensions", "integer", "Principal components activation clustering reduces each class to.", "10"),
        new("separation", "number", "Ashman's D a class's 2-means split must reach to be flagged.", "6"),
        new("minClusterSize", "integer", "Smallest suspicious cluster reported.", "5"),
        new("images", "integer", "Most suspicious samples shown in the HTML report.", "24"),
        new("seed", "integer", "Seed of the principal-component starts and 2-means initialisation.", "0"),
    ];

    public IReadOnlyList<MetricDefinition> Metrics { get; } =
    [
        new("poisonFlaggedClasses", MetricDirection.LowerIsBetter, MetricUnit.Count, FlaggedClassesRule, "classes flagged as poisoned"),
        new("poisonSuspectedShare", MetricDirection.LowerIsBetter, MetricUnit.Proportion, SuspectedShareRule, "share of training samples suspected to be poison"),
    ];

    public CheckSettings Configure(ConfigSection section)
    {
        var data = section.ExistingPath("data") ?? throw section.Fail(null, $"{section.Where} is missing required property \"data\" (the training set to screen)");
        var method = section.Choice("method", ["clustering", "spectral", "both"]) switch
        {
            "clustering" => PoisonMethod.Clustering,
            "spectral" => PoisonMethod.Spectral,
            _ => PoisonMethod.Both,
        };
        var defaults = new PoisoningSettings(data);
        return defaults with
        {
            Labels = section.ExistingFile("labels"),
            Method = method,
            Truth = section.ExistingFile("truth"),
            ExpectedPoisonRate = section.Number("expectedPoisonRate", 0, 1, exclusiveMin: true, exclusiveMax: true) ?? defaults.ExpectedPoisonRate,
            FlagShare = section.Number("flagShare", 0, 10, exclusiveMin: true) ?? defaults.FlagShare,
            Layer = section.String("layer"),
            Dimensions = section.Int("dimensions", 1, 1000) ?? defaults.Dimensions,
            Separation = section.Number("separation", 0, exclusiveMin: true) ?? defaults.Separation,
            MinClusterSize = section.Int("minClusterSize", 1) ?? defaults.MinClusterSize,
            Images = section.Int("images", 0, 1000) ?? defaults.Images,
            Seed = section.Int("seed", 0) ?? defaults.Seed,
        };
    }

    public CheckReport Run(CheckContext context, CheckSettings settings)
    {
        var s = (PoisoningSettings)settings;
        s.Validate(context);
        using var data = context.OpenData(s.Data, s.Labels);
        var result = PoisonScreening.Run(context.Graph, data, s, context.BatchSize, context.Progress, context.CancellationToken);
        return PoisoningReport.Build(context, s, result, data);
    }
}
