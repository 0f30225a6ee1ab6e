using System.Diagnostics;
using AdvScan.Engine;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Checks.Backdoor;

/// <summary>
/// Neural Cleanse's trigger reverse-engineering (Wang et al., 2019), every class at once: K masks and K patterns are
/// optimised together, each step one forward and one backward pass over the K x B stamped copies of a batch of B clean
/// images, so the work is one large batch rather than K small runs. The loss is the sum over classes of the
/// cross-entropy towards that class plus its cost times its mask's L1 norm; classes share no parameter, so their
/// gradients (and Adam's per-element state) are exactly those of K separate runs. Only the masks and patterns require
/// gradients; the model's weights stay frozen.
/// </summary>
public static class NeuralCleanse
{
    /// <summary>
    /// Reverse-engineers a trigger for each of <paramref name="classes"/> classes from clean images
    /// (<paramref name="pixels"/>, [N,C,H,W] in [0,1]), through <paramref name="toModelInput"/> into the graph.
    /// </summary>
    public static NeuralCleanseResult Reverse(OnnxGraph graph, Func<Tensor, Tensor> toModelInput, float[] pixels, long[] shape, int classes,
        NeuralCleanseOptions options, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (classes < 2) throw new InvalidInputException(null, $"Neural Cleanse needs a model with at least 2 classes, this one has {classes}");
        int n = checked((int)shape[0]), channels = checked((int)shape[1]), height = checked((int)shape[2]), width = checked((int)shape[3]);
        if (n < classes) throw new InvalidInputException(null, $"Neural Cleanse needs at least as many clean images as classes ({classes}), got {n}");
        var clock = Stopwatch.StartNew();
        var device = graph.Device;
        var random = new Random(options.Seed);
        var schedule = new CostSchedule(classes, options);
        var best = new MaskedTrigger?[classes];
        var bestSuccess = new double[classes];
        int batch = Math.Min(options.BatchSize, n);

        using var outer = torch.NewDisposeScope();
        var images = torch.tensor(pixels, shape).to(device);
        // Seeded host draws, so the start does not depend on libtorch's generator. Uniform in (0,1) mapped through atanh:
        // the tanh parameterisation keeps mask and pattern inside [0,1] without clipping, as in the paper.
        var maskParam = new TorchSharp.Modules.Parameter(torch.tensor(Atanh(random, classes * height * width, options.InitialMask), [classes, 1, height, width]).to(device), requires_grad: true);
        var patternParam = new TorchSharp.Modules.Parameter(torch.tensor(Atanh(random, classes * channels * height * width, 1), [classes, channels, height, width]).to(device), requires_grad: true);
        using var optimizer = new ScalarFreeAdam([maskParam, patternParam], options.LearningRate, beta1: 0.5, beta2: 0.9);

        var order = Enumerable.Range(0, n).ToArray();
        int steps = 0, epochs = 0;
        long forwarded = 0;
        for (int epoch = 0; epoch < options.Epochs && !schedule.AllStopped; epoch++)
        {
            random.Shuffle(order);
            long seen = 0;
            // Counts and costs stay on the device for the whole epoch: reading a count back every step would
            // synchronise the host with every batch, which the raw forward+backward loop does not pay.
            using var epochScope = torch.NewDisposeScope();
            var hits = torch.zeros(classes, dtype: ScalarType.Int64, device: device);
            var costs = torch.tensor(schedule.Costs.Select(c => (float)c).ToArray(), device: device);
            for (int start = 0; start < n; start += batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int size = Math.Min(batch, n - start);
                using var scope = torch.NewDisposeScope();
                var x = images.index_select(0, torch.tensor(order.AsSpan(start, size).ToArray().Select(i => (long)i).ToArray(), device: device));
                var (mask, pattern) = Squash(maskParam, patternParam);
                var stamped = (mask.SubtractedFrom(1L).unsqueeze(1) * x.unsqueeze(0)).Plus((mask * pattern).unsqueeze(1)).reshape(classes * size, channels, height, width);
                var logits = graph.forward(toModelInput(stamped));
                var targets = Scalars.Arange(classes, ScalarType.Int64, device).repeat_interleave(size);
                var crossEntropy = F.cross_entropy(logits, targets, reduction: nn.Reduction.None).view(classes, size).mean([1]);
                var norms = mask.abs().sum([1, 2, 3]);
                var loss = crossEntropy.Plus(costs * norms).sum();
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                using (torch.no_grad()) hits.PlusInPlace(logits.argmax(1).eq(targets).view(classes, size).sum([1]));
                seen += size;
                forwarded += (long)classes * size;
                steps++;
            }
            var hitCounts = hits.cpu().data<long>().ToArray();
            epochs++;

            // The paper keeps the best mask seen at an epoch's end: the smallest that met the threshold over the epoch.
            using (var scope = torch.NewDisposeScope())
            using (torch.no_grad())
            {
                var (mask, pattern) = Squash(maskParam, patternParam);
                var maskHost = mask.cpu().data<float>().ToArray();
                var patternHost = pattern.cpu().data<float>().ToArray();
                for (int k = 0; k < classes; k++)
                {
                    double success = hitCounts[k] / (double)seen;
                    var kMask = maskHost.AsSpan(k * height * width, height * width).ToArray();
                    double norm = kMask.Sum(v => (double)v);
                    bool isBest = schedule.EndEpoch(k, success, norm);
                    // Until some mask works, the latest one stands in (reported as not reaching the threshold).
                    if (isBest || double.IsPositiveInfinity(schedule.BestNorm[k]))
                    {
                        best[k] = new MaskedTrigger(channels, height, width, kMask, patternHost.AsSpan(k * channels * height * width, channels * height * width).ToArray());
                        bestSuccess[k] = success;
                    }
                }
            }
            progress?.Report((epoch + 1, options.Epochs));
        }

        var result = Enumerable.Range(0, classes).Select(k =>
        {
            bool reached = !double.IsPositiveInfinity(schedule.BestNorm[k]);
            return new ReversedTrigger(k, best[k]!, best[k]!.MaskNorm, reached, bestSuccess[k]);
        }).ToList();
        return new NeuralCleanseResult(result, epochs, steps, forwarded, clock.Elapsed);
    }

    private static (Tensor Mask, Tensor Pattern) Squash(Tensor maskParam, Tensor patternParam) =>
        (maskParam.tanh().Over(2L).Plus(0.5), patternParam.tanh().Over(2L).Plus(0.5));

    /// <summary>Uniform draws in (0, <paramref name="scale"/>) as tanh parameters (values (t+1)/2), kept off 0 and 1 where atanh diverges.</summary>
    private static float[] Atanh(Random random, int count, double scale)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)Math.Atanh(Math.Clamp(random.NextDouble() * scale * 2 - 1, -0.999, 0.999));
        return values;
    }
}
