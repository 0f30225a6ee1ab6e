using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Runtime;
using AdvScan.Scanning;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Checks.Masking;

/// <summary>The measurements behind the masking flags, each on a fixed batch of the shard's sample.</summary>
internal static class MaskingProbes
{
    /// <summary>A gradient whose largest entry is at most this is zero to any attack (sign() of it is 0 or noise).</summary>
    private const double ZeroGradient = 1e-30;

    /// <summary>ONNX Runtime's outputs for the batch, row-major, as the deployed model gives them.</summary>
    public static float[] Scores(ReferenceSession runtime, PixelMapping mapping, LabeledBatch batch)
    {
        var (data, shape) = mapping.ToModelInputHost(batch.Pixels, batch.Shape);
        return AdvScan.Scanning.Predictions.Scores(runtime, new HostTensor(data, shape), shape[0]);
    }

    /// <summary>How many examples have an input gradient of cross-entropy that is all zero (or not finite), as the white-box attacks see it.</summary>
    public static int ZeroGradients(IDifferentiableClassifier model, LabeledBatch batch)
    {
        using var scope = torch.NewDisposeScope();
        using var grad = torch.enable_grad();
        var input = torch.tensor(batch.Pixels, batch.Shape).to(model.Device).requires_grad_(true);
        var labels = torch.tensor(batch.Labels.Select(l => (long)l).ToArray(), [batch.Labels.Length]).to(model.Device);
        var loss = F.cross_entropy(model.Logits(input), labels, reduction: nn.Reduction.None);
        var gradient = torch.autograd.grad([loss.sum()], [input])[0].detach().flatten(1);
        var largest = gradient.abs().nan_to_num(0, 0, 0).amax(1);
        var unusable = largest.LessOrEqual(ZeroGradient).logical_or(gradient.isfinite().all(1).logical_not());
        return (int)unusable.sum().item<long>();
    }

    /// <summary>
    /// PGD run afresh at each budget (no example carried from a smaller budget, unlike the scan's curves) on the examples
    /// ONNX Runtime classifies correctly; returns how many stay correct in ONNX Runtime at each budget, in budget order.
    /// </summary>
    public static int[] IndependentRobustCounts(IDifferentiableClassifier model, ReferenceSession runtime, PixelMapping mapping, LabeledBatch batch,
        Norm norm, IReadOnlyList<double> budgets, int steps, long seed)
    {
        int size = batch.Pixels.Length / batch.Labels.Length;
        var predicted = Predictions(Scores(runtime, mapping, batch), batch.Labels.Length);
        var correct = Enumerable.Range(0, batch.Labels.Length).Where(i => predicted[i] == batch.Labels[i]).ToArray();
        if (correct.Length == 0) return new int[budgets.Count];
        var pixels = correct.SelectMany(i => batch.Pixels.Skip(i * size).Take(size)).ToArray();
        long[] shape = [correct.Length, .. batch.Shape[1..]];
        var labels = correct.Select(i => batch.Labels[i]).ToArray();
        var counts = new int[budgets.Count];
        for (int b = 0; b < budgets.Count; b++)
        {
            using var scope = torch.NewDisposeScope();
            var result = new Pgd().Attack(model, torch.tensor(pixels, shape).to(model.Device), torch.tensor(labels.Select(l => (long)l).ToArray(), [labels.Length]).to(model.Device),
                new AttackSettings(norm, budgets[b], steps, Seed: seed + b));
            var adversarial = TensorConversion.ToHostFloats(result.Adversarial);
            var verdict = Predictions(Scores(runtime, mapping, new LabeledBatch(adversarial, shape, labels)), labels.Length);
            counts[b] = Enumerable.Range(0, labels.Length).Count(k => verdict[k] == labels[k]);
        }
        return counts;
    }

    public static int[] Predictions(float[] scores, int rows)
    {
        int classes = scores.Length / rows;
        var result = new int[rows];
        for (int i = 0; i < rows; i++)
            for (int c = 1; c < classes; c++)
                if (scores[i * classes + c] > scores[i * classes + result[i]]) result[i] = c;
        return result;
    }
}
