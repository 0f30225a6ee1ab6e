using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Backdoor;

/// <summary>
/// A Neural Cleanse run over a scan's sample: the triggers reverse-engineered on one part of it, the anomaly test on
/// their mask norms, and each trigger's success on the other, held-out part as ONNX Runtime judges it.
/// </summary>
/// <param name="AnomalyIndices">Per class, the paper's index: distance from the median L1 norm in MAD units.</param>
/// <param name="LogAnomalyIndices">Per class, the same on the log norms: what the check flags on.</param>
/// <param name="Compactness">Per class, how patch-like the recovered mask is (<see cref="TriggerCompactness"/>).</param>
/// <param name="Flagged">Likely backdoor targets (below the median, log index above the threshold, patch-like), most anomalous first.</param>
/// <param name="Diffuse">Classes below the median with a log index above the threshold whose masks are not patch-like: natural
/// shortcuts of the model or triggers spread over the image, reported to inspect but not flagged.</param>
/// <param name="HeldOutSuccess">Per class: of the held-out images of other classes, the share the stamped trigger sends to the class (ONNX Runtime).</param>
/// <param name="Evaluation">The held-out images the success was measured on.</param>
public sealed record NeuralCleanseAnalysis(NeuralCleanseResult Reversal, IReadOnlyList<double> AnomalyIndices, IReadOnlyList<double> LogAnomalyIndices,
    IReadOnlyList<double> Compactness, IReadOnlyList<int> Flagged, IReadOnlyList<int> Diffuse,
    IReadOnlyList<Proportion> HeldOutSuccess, HostImages Evaluation, int OptimisationImages, double MinCompactness)
{
    /// <summary>
    /// The gated figure: the largest log-norm anomaly index among patch-like classes below the median (0 when there is
    /// none), so a clean model whose only small masks are diffuse reads low, and a planted patch reads high.
    /// </summary>
    public double MaxAnomalyIndex
    {
        get
        {
            double median = AnomalyIndex.Median(Reversal.MaskNorms);
            return Enumerable.Range(0, LogAnomalyIndices.Count)
                .Where(k => Reversal.MaskNorms[k] < median && Compactness[k] >= MinCompactness)
                .Select(k => LogAnomalyIndices[k]).DefaultIfEmpty(0).Max();
        }
    }

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
        var compactness = reversal.Classes.Select(c => TriggerCompactness.Of(c.Trigger)).ToList();
        var logNorms = AnomalyIndex.LogOf(norms);
        var outliers = AnomalyIndex.Flagged(logNorms, settings.Threshold);
        var flagged = outliers.Where(k => compactness[k] >= settings.MinCompactness).ToList();
        var diffuse = outliers.Where(k => compactness[k] < settings.MinCompactness).ToList();
        return new NeuralCleanseAnalysis(reversal, AnomalyIndex.Of(norms), AnomalyIndex.Of(logNorms), compactness, flagged, diffuse, success, held, optimise,
            settings.MinCompactness);
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
