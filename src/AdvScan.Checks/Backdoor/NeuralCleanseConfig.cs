using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Backdoor;

/// <summary>The config keys of the Neural Cleanse check (also read by STRIP when it recovers its own trigger) and how they become settings.</summary>
internal static class NeuralCleanseConfig
{
    private static readonly NeuralCleanseOptions D = new();
    private static readonly NeuralCleanseSettings S = NeuralCleanseSettings.Default;

    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        new("images", "integer", "Clean images of the sample the triggers are optimised on; the rest of the sample judges them.", S.Images.ToString()),
        new("epochs", "integer", "Passes over the optimisation images (the cost schedule runs once per pass).", D.Epochs.ToString()),
        new("batchSize", "integer", "Clean images per class per optimisation step.", D.BatchSize.ToString()),
        new("learningRate", "number", "Adam's learning rate on the tanh-parameterised mask and pattern.", "0.1"),
        new("initialCost", "number", "Initial weight of the mask's L1 norm in the loss.", "0.1"),
        new("costUp", "number", "Cost multiplier after `patience` epochs at or above the success threshold.", "2"),
        new("costDown", "number", "Cost divisor after `patience` epochs below it.", "2.83 (2^1.5)"),
        new("patience", "integer", "Epochs on one side of the success threshold before the cost moves.", D.Patience.ToString()),
        new("successThreshold", "number", "Attack success a mask must reach to count as a trigger.", "0.99"),
        new("earlyStopPatience", "integer", "Epochs without a 1% smaller mask before a class stops (0: never).", D.EarlyStopPatience.ToString()),
        new("initialMask", "number", "Upper end of the uniform draw of the initial mask values.", "0.02"),
        new("anomalyThreshold", "number", "Anomaly index (of the log mask norms) above which a patch-like class below the median is flagged.", "2"),
        new("minCompactness", "number", "Share of a mask's mass one small square must hold for the mask to count as patch-like (0: flag on the index alone).", "0.6"),
        new("examples", "integer", "Held-out images shown stamped with each reported trigger.", S.Examples.ToString()),
        new("seed", "integer", "Seed of the mask initialisation, batch order and split (default: the scan's seed)."),
    ];

    public static NeuralCleanseSettings Read(ConfigSection s)
    {
        var options = new NeuralCleanseOptions(
            Epochs: s.Int("epochs", 1, nameof(ResourceLimits.MaxEpochs)) ?? D.Epochs,
            BatchSize: s.Int("batchSize", 1, nameof(ResourceLimits.MaxBatchSize)) ?? D.BatchSize,
            LearningRate: s.Number("learningRate", 0, exclusiveMin: true) ?? D.LearningRate,
            InitialCost: s.Number("initialCost", 0, exclusiveMin: true) ?? D.InitialCost,
            CostUp: s.Number("costUp", 1, exclusiveMin: true) ?? D.CostUp,
            CostDown: s.Number("costDown", 1, exclusiveMin: true) ?? D.CostDown,
            Patience: s.Int("patience", 1) ?? D.Patience,
            SuccessThreshold: s.Number("successThreshold", 0, 1, exclusiveMin: true) ?? D.SuccessThreshold,
            EarlyStopPatience: s.Int("earlyStopPatience", 0) ?? D.EarlyStopPatience,
            InitialMask: s.Number("initialMask", 0, 1, exclusiveMin: true) ?? D.InitialMask);
        return new NeuralCleanseSettings(options,
            Images: s.Int("images", 1, nameof(ResourceLimits.MaxExamples)) ?? S.Images,
            Threshold: s.Number("anomalyThreshold", 0, exclusiveMin: true) ?? S.Threshold,
            MinCompactness: s.Number("minCompactness", 0, 1) ?? S.MinCompactness,
            Examples: s.Int("examples", 0, nameof(ResourceLimits.MaxExamples)) ?? S.Examples,
            Seed: s.Int("seed"));
    }
}
