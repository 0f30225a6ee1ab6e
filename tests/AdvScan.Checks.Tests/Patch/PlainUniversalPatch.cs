using AdvScan.Runtime;
using AdvScan.Scanning;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Checks.Tests.Patch;

/// <summary>
/// The plain universal patch an attacker writes in about 40 lines (issue 26), the oracle the patch check must match:
/// a side x side texture from a seeded torch.rand, pasted pixel for pixel at a uniformly random whole-pixel position per
/// image; Adam (PyTorch's defaults: betas 0.9/0.999, eps 1e-8) at a constant learning rate of 0.05; 32 images per step
/// from a shuffled pass over the even-indexed images of the given order; loss -log(1 - p(true class) + 1e-6) (targeted:
/// the target's cross-entropy); judged by ONNX Runtime on the odd-indexed ones, one random position each. Nothing of
/// the check's code is used: its own paste, loop, Adam and judging (Adam written out with explicit Scalars, so no
/// library optimiser's implicit ones are freed by a collection mid-step).
/// </summary>
internal static class PlainUniversalPatch
{
    /// <returns>Held-out successes and eligible held-out images (untargeted: classified correctly clean; targeted: not of the target class).</returns>
    /// <param name="order">Dataset indices: the even positions are trained on, the odd ones judged.</param>
    public static (int Successes, int Trials) Run(ModelFixture fixture, IReadOnlyList<int> order, int side, int steps, long seed, int? target = null)
    {
        var batch = fixture.Dataset.Read(order, order.Count, default).Single();
        long n = batch.Shape[0], c = batch.Shape[1], h = batch.Shape[2], w = batch.Shape[3];
        var labels = batch.Labels;
        var graph = fixture.Context(sample: order).Graph;
        var random = new Random(unchecked((int)seed));
        using var scope = torch.NewDisposeScope();
        using var zero = 0.0.ToScalar();
        using var one = 1.0.ToScalar();
        using var onePlusEpsilon = (1 + 1e-6).ToScalar();
        using var beta1 = 0.9.ToScalar();
        using var beta2 = 0.999.ToScalar();
        using var oneMinusBeta1 = 0.1.ToScalar();
        using var oneMinusBeta2 = (1 - 0.999).ToScalar();
        using var adamEpsilon = 1e-8.ToScalar();
        var images = torch.tensor(batch.Pixels, batch.Shape);
        var patch = torch.rand([c, side, side], generator: new Generator(unchecked((ulong)seed))).requires_grad_(true);
        var m = torch.zeros_like(patch);
        var v = torch.zeros_like(patch);

        Tensor Paste(Tensor pictures)
        {
            var pasted = pictures.clone();
            for (long k = 0; k < pasted.shape[0]; k++)
            {
                int x = random.Next(0, (int)(w - side + 1)), y = random.Next(0, (int)(h - side + 1));
                pasted[k, TensorIndex.Colon, TensorIndex.Slice(y, y + side), TensorIndex.Slice(x, x + side)] = patch;
            }
            return pasted;
        }

        var train = Enumerable.Range(0, (int)n).Where(i => i % 2 == 0 && (target is not { } t || labels[i] != t)).ToArray();
        var shuffled = train.ToArray();
        int cursor = shuffled.Length;
        for (int step = 1; step <= steps; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            var rows = new long[Math.Min(32, train.Length)];
            for (int k = 0; k < rows.Length; k++)
            {
                if (cursor == shuffled.Length) { random.Shuffle(shuffled); cursor = 0; }
                rows[k] = shuffled[cursor++];
            }
            var y = torch.tensor(rows.Select(r => (long)labels[r]).ToArray());
            var logits = graph.forward(fixture.Dataset.Mapping.ToModelInput(Paste(images.index_select(0, torch.tensor(rows)))));
            Tensor loss;
            if (target is { } goal)
            {
                using var goalScalar = ((long)goal).ToScalar();
                loss = F.cross_entropy(logits, torch.full_like(y, goalScalar));
            }
            else
            {
                var trueProbability = F.softmax(logits, 1).gather(1, y.unsqueeze(1)).squeeze(1);
                loss = torch.full_like(trueProbability, onePlusEpsilon).sub(trueProbability).log().mean().neg();
            }
            var gradient = torch.autograd.grad([loss], [patch])[0];
            using (torch.no_grad())
            {
                m.mul_(beta1).add_(gradient, oneMinusBeta1);
                v.mul_(beta2).addcmul_(gradient, gradient, oneMinusBeta2);
                using var correction2 = Math.Sqrt(1 - Math.Pow(0.999, step)).ToScalar();
                using var stepSize = (-0.05 / (1 - Math.Pow(0.9, step))).ToScalar();
                var denominator = v.sqrt().div(correction2).add_(adamEpsilon, one);
                patch.addcdiv_(m, denominator, stepSize).clamp_(zero, one);
            }
        }

        var held = Enumerable.Range(0, (int)n).Where(i => i % 2 == 1).ToArray();
        float[] pasted;
        using (torch.no_grad())
            pasted = Paste(images.index_select(0, torch.tensor(held.Select(i => (long)i).ToArray()))).contiguous().data<float>().ToArray();
        var clean = Predict(fixture, held.SelectMany(i => batch.Pixels.AsSpan((int)(i * c * h * w), (int)(c * h * w)).ToArray()).ToArray(), [held.Length, c, h, w]);
        var patched = Predict(fixture, pasted, [held.Length, c, h, w]);
        int successes = 0, trials = 0;
        for (int k = 0; k < held.Length; k++)
        {
            int label = labels[held[k]];
            bool eligible = target is { } t ? label != t : clean[k] == label;
            if (!eligible) continue;
            trials++;
            if (target is { } goal ? patched[k] == goal : patched[k] != label) successes++;
        }
        return (successes, trials);
    }

    /// <summary>ONNX Runtime's class for every row, judged as the check judges (<see cref="Predictions.Predict"/>).</summary>
    private static int[] Predict(ModelFixture fixture, float[] pixels, long[] shape) =>
        Predictions.Predict(fixture.Runtime, fixture.Dataset.Mapping, pixels, shape).Classes;
}
