using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Backdoor;

/// <summary>
/// A Neural Cleanse run over a scan's sample: the triggers reverse-engineered on one part of it, the anomaly test on
/// their mask norms, and each trigger's success on the other, held-out part as ONNX Runtime judges it.
/// </summary>
/// <param name="AnomalyIndices">Per class, distance from the median norm in MAD units.</param>
/// <param name="Flagged">Likely backdoor targets, most anomalous first.</param>
/// <param name="HeldOutSuccess">Per class: of the held-out images of other classes, the share the stamped trigger sends to the class (ONNX Runtime).</param>
/// <param name="Evaluation">The held-out images the success was measured on.</param>
public sealed record NeuralCleanseAnalysis(NeuralCleanseResult Reversal, IReadOnlyList<double> AnomalyIndices, IReadOnlyList<int> Flagged,
    IReadOnlyList<Proportion> HeldOutSuccess, HostImages Evaluation, int OptimisationImages)
{
    /// <summary>The largest anomaly index below the median: the gated figure.</summary>
    public double MaxAnomalyIndex => AnomalyIndex.MaxBelowMedian(Reversal.MaskNorms);

    /// <summary>The most anomalous flagged class, or the class with the smallest mask when none is flagged.</summary>
    public ReversedTrigger MostSuspicious => Reversal.Classes[Flagged.Count > 0 ? Flagged[0] : Enumerable.Range(0, Reversal.Classes.Count).MinBy(k => (Reversal.Classes[k].MaskNorm, k))];

    public static NeuralCleanseAnalysis Run(CheckContext context, NeuralCleanseSettings settings)
    {
        settings.Validate(context);
        int classes = context.ClassNames.Count;
        int seed = settings.SeedFor(context);
        // The sample, not this shard's part: the triggers are properties of the model, the same on every shard.
        var order = context.Sample.ToArray();
        new Random(seed).Shuffle(order);
        int optimise = order.Length >= 2 * settings.Images ? settings.Images : order.Length / 2;
        if (optimise < classes)
            throw new InvalidInputException(context.ConfigFile,
                $"Neural Cleanse needs at least as many clean images as classes ({classes}) to optimise on, and as many again to judge the triggers; the sample holds {order.Length}",
                context.Line > 0 ? context.Line : null);
        var train = HostImages.Read(context, order[..optimise]);
        var held = HostImages.Read(context, order[optimise..]);

        var options = settings.Options with { Seed = seed };
        var reversal = NeuralCleanse.Reverse(context.Graph, context.Dataset.Mapping.ToModelInput, train.Pixels, train.Shape, classes, options,
            context.Progress, context.CancellationToken);
        var norms = reversal.MaskNorms;
        var oracle = new RuntimeOracle(context.Runtime, context.Dataset.Mapping.ToModelInputHost);
        var success = reversal.Classes.Select(c => SuccessOf(oracle, c, held, context.CancellationToken)).ToList();
        return new NeuralCleanseAnalysis(reversal, AnomalyIndex.Of(norms), AnomalyIndex.Flagged(norms, settings.Threshold), success, held, optimise);
    }

    /// <summary>Stamps the class's trigger on the held-out images of other classes and counts those ONNX Runtime sends to it.</summary>
    public static Proportion SuccessOf(Attacks.IScoreOracle oracle, ReversedTrigger trigger, HostImages held, CancellationToken cancellationToken = default)
    {
        var others = held.Rows(Enumerable.Range(0, held.Count).Where(i => held.Labels[i] != trigger.Class).ToList());
        if (others.Count == 0) return Proportion.Of(0, 0);
        var predictions = OracleBatches.Predict(oracle, trigger.Trigger.StampAll(others.Pixels), others.Shape, cancellationToken);
        return Proportion.Of(predictions.Count(p => p == trigger.Class), others.Count);
    }
}
