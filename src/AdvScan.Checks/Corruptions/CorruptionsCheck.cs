using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Corruptions;

/// <summary>
/// The common corruptions of Hendrycks &amp; Dietterich (2019) as a gated check: every example of the scan's sample under
/// every chosen corruption and severity, corrupted in [0,1] before the model's preprocessing, seeded per example and
/// judged by ONNX Runtime. Reports accuracy per corruption and severity, the mean, the error corruptions add to the
/// clean error, and mCE against a baseline model when one is given.
/// </summary>
public sealed class CorruptionsCheck : IScanCheck
{
    public static readonly GateRule AccuracyRule = new(DiagnosticIds.CorruptionAccuracy, "CorruptionAccuracyBelowThreshold",
        "Accuracy under common corruptions is below the configured minimum.",
        "The share of examples that ONNX Runtime still classifies correctly under the configured common corruptions (noise, blur, weather, digital; Hendrycks & Dietterich 2019) at the gated severity is below the threshold.",
        "Train with corruption-like augmentation (AugMix, random noise, blur and JPEG re-encoding, e.g. as in Hendrycks et al. 2020) or with data from the deployment's cameras; check that preprocessing (normalisation, resizing) does not amplify the corruption.");

    public static readonly GateRule ErrorRule = new(DiagnosticIds.CorruptionError, "CorruptionErrorAboveThreshold",
        "Common corruptions add more error to the clean error than allowed.",
        "The error under the configured common corruptions minus the clean error (Hendrycks & Dietterich's relative corruption error before normalisation by a baseline) exceeds the threshold.",
        "Augment training with the corruptions that hurt most (see the per-corruption table); L-inf adversarial training helps against high-frequency noise but can hurt under fog and contrast.");

    public static readonly GateRule MceRule = new(DiagnosticIds.MeanCorruptionError, "MeanCorruptionErrorAboveThreshold",
        "The mean corruption error relative to the baseline model (mCE) exceeds the threshold.",
        "Per corruption, the model's errors summed over the severities divided by the baseline model's on the same corrupted images (CE), averaged over the corruptions (mCE, Hendrycks & Dietterich 2019), exceeds the threshold: 1 means as many errors as the baseline.",
        "Compare the per-corruption CE table with the baseline's, and augment training for the corruptions whose CE is highest.");

    public string Name => "corruptions";

    public string Summary => "Common corruptions (Hendrycks & Dietterich 2019: 15 + 4 corruptions at 5 severities, published parameter tables), seeded per example and judged by ONNX Runtime: accuracy per corruption and severity, the error added to clean error, and mCE against a baseline model.";

    public IReadOnlyList<ConfigKey> Keys { get; } = CorruptionsConfig.Keys;

    public IReadOnlyList<MetricDefinition> Metrics { get; } =
    [
        new(CorruptionFigures.Accuracy, MetricDirection.HigherIsBetter, MetricUnit.Proportion, AccuracyRule, "corruption accuracy", BudgetKey: "severity") { LabelKey = "corruption", AggregatesBudgets = true },
        new(CorruptionFigures.Error, MetricDirection.LowerIsBetter, MetricUnit.Score, ErrorRule, "corruption error added to clean error", BudgetKey: "severity") { LabelKey = "corruption", AggregatesBudgets = true },
        new(CorruptionFigures.Mce, MetricDirection.LowerIsBetter, MetricUnit.Score, MceRule, "mean corruption error against the baseline", BudgetKey: "severity") { LabelKey = "corruption", AggregatesBudgets = true },
        new(CorruptionFigures.BaselineAccuracy, MetricDirection.HigherIsBetter, MetricUnit.Proportion, AccuracyRule, "baseline model's corruption accuracy", BudgetKey: "severity") { LabelKey = "corruption", AggregatesBudgets = true },
    ];

    public CheckSettings Configure(ConfigSection section) => CorruptionsConfig.Read(section);

    public CheckReport Run(CheckContext context, CheckSettings settings)
    {
        var s = settings as CorruptionsSettings ?? throw new ArgumentException($"the corruptions check takes {nameof(CorruptionsSettings)}, not {settings.GetType().Name}", nameof(settings));
        var (counts, gallery) = new CorruptionsRun(context, s).Run();
        return new CheckReport(Name, Name, s.Describe(), CorruptionFigures.Metrics(counts), [], CorruptionFigures.Tables(counts), gallery)
            { Charts = CorruptionFigures.Charts(counts) };
    }

    /// <summary>Adds the shards' counts, then derives every mean, difference and ratio again from the added counts.</summary>
    public CheckReport MergeShards(IReadOnlyList<CheckReport> shards)
    {
        var summed = CheckReportMerge.AddCounts(shards.Select(s => s with { Metrics = s.Metrics.Where(m => m.Proportion is not null).ToList() }).ToList());
        var counts = CorruptionFigures.CountsOf(summed.Metrics)
            ?? throw new InvalidInputException(null, $"the shard reports of check '{shards[0].Id}' hold no corruption counts to merge");
        return summed with { Metrics = CorruptionFigures.Metrics(counts), Tables = CorruptionFigures.Tables(counts), Charts = CorruptionFigures.Charts(counts) };
    }
}
