using AdvScan.Engine;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Checks.Patch;

/// <summary>What optimising one patch produced.</summary>
/// <param name="Texture">[C,S,S] pixels in [0,1], row-major.</param>
/// <param name="TrainSuccess">Share of the last quarter of steps' image x draw rows the graph counted as fooled (a training-side figure, not a verdict); <see cref="PatchSearch"/> replaces it with the score it chose the restart by.</param>
public sealed record OptimisedPatch(float[] Texture, long[] Shape, double TrainSuccess, double NonPrintability, double TotalVariation);

/// <summary>
/// Adam at a constant learning rate on the patch's pixels only: every step takes a batch of training images, each under several fresh EOT draws,
/// through one forward and one backward of the imported graph (weights frozen, gradients to the patch alone), then
/// clamps the patch back into [0,1].
/// </summary>
public sealed class PatchOptimizer(OnnxGraph graph, Func<Tensor, Tensor> toModelInput)
{
    /// <param name="pixels">Training images [N,C,H,W] in [0,1] on the graph's device (examples of the target class already left out).</param>
    /// <param name="labels">Their labels.</param>
    /// <param name="onStep">Called after every step (progress).</param>
    /// <param name="restart">Which restart this is: each starts from its own random texture and draws its own placements.</param>
    public OptimisedPatch Optimise(Tensor pixels, int[] labels, PatchGeometry geometry, PatchSettings settings, long seed, int areaIndex,
        Action? onStep = null, CancellationToken cancellationToken = default, int restart = 0)
    {
        if (labels.Length == 0) throw new InvalidInputException(null, "patch: the training part of the sample has no examples to optimise on");
        var device = graph.Device;
        int s = geometry.TextureSide, c = geometry.Channels;
        var random = PatchSeeds.Random(seed, PatchSeeds.Optimise, areaIndex, restart);
        using var init = new Generator(unchecked((ulong)PatchSeeds.Mix(seed, PatchSeeds.Initial, areaIndex, restart)));
        using var patch = new TorchSharp.Modules.Parameter(torch.rand([c, s, s], ScalarType.Float32, generator: init).to(device), requires_grad: true);
        using var mask = torch.tensor(geometry.Mask(), [1, s, s]).to(device);
        using var adam = new ScalarFreeAdam([patch], settings.LearningRate);
        // A constant learning rate, as the plain attacker's patch uses (issue 26): cosine annealing to zero was as strong
        // or weaker in 7 of 8 paired measurements (fashion-cnn, mnist-cnn, an unseen Fashion-MNIST CNN; -0.5 to -4.2
        // points of held-out success, one +0.1).
        var order = Enumerable.Range(0, labels.Length).ToArray();
        int cursor = order.Length;
        int perStep = Math.Min(settings.ImagesPerStep, labels.Length), draws = settings.DrawsPerImage;
        int tailFrom = settings.Steps - Math.Max(1, settings.Steps / 4);
        long fooled = 0, seen = 0;

        for (int step = 0; step < settings.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var rows = new long[perStep];
            for (int k = 0; k < perStep; k++)
            {
                // Epochs over the training part in a fresh seeded order, so every image is used equally often.
                if (cursor == order.Length) { random.Shuffle(order); cursor = 0; }
                rows[k] = order[cursor++];
            }
            var index = torch.tensor(rows).to(device);
            var images = pixels.index_select(0, index).repeat_interleave(draws, 0);
            var y = torch.tensor(rows.SelectMany(r => Enumerable.Repeat((long)labels[r], draws)).ToArray()).to(device);
            var drawn = Enumerable.Range(0, perStep * draws).Select(_ => EotDraw.Sample(random, geometry, settings.Region, settings.Eot)).ToList();

            adam.zero_grad();
            using (torch.enable_grad())
            {
                var logits = graph.forward(toModelInput(PatchApplier.Apply(patch, mask, images, drawn, noisePerDraw: false)));
                var loss = Loss(logits, y, settings.Target);
                if (settings.PrintabilityWeight > 0)
                    loss = loss.Plus(Printability.NonPrintability(patch, mask, Printability.DefaultPalette).Times(settings.PrintabilityWeight));
                if (settings.TotalVariationWeight > 0)
                    loss = loss.Plus(Printability.TotalVariation(patch).Times(settings.TotalVariationWeight));
                loss.backward();
                if (step >= tailFrom)
                {
                    using var predicted = logits.detach().argmax(1);
                    using var hit = settings.Target is { } t ? predicted.EqualTo(t) : predicted.ne(y);
                    fooled += hit.sum().item<long>();
                    seen += hit.numel();
                }
            }
            adam.step();
            var (low, high) = (0.0.ToScalar(), 1.0.ToScalar());
            using (torch.no_grad()) patch.clamp_(low, high);
            GC.KeepAlive(low);
            GC.KeepAlive(high);
            onStep?.Invoke();
        }

        using var final = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var texture = TensorConversion.ToHostFloats(patch.detach());
        double nps = Printability.NonPrintability(patch.detach(), mask, Printability.DefaultPalette).item<float>();
        double tv = Printability.TotalVariation(patch.detach()).item<float>();
        return new OptimisedPatch(texture, [c, s, s], seen == 0 ? 0 : fooled / (double)seen, nps, tv);
    }

    /// <summary>
    /// Targeted: the target's cross-entropy. Untargeted: -log(1 - p(true class)), which stops pulling on an image once
    /// it is misclassified instead of growing without bound on the easiest images as raw cross-entropy ascent would.
    /// </summary>
    internal static Tensor Loss(Tensor logits, Tensor labels, int? target)
    {
        if (target is { } t)
            return F.cross_entropy(logits, Scalars.FullLike(labels, t));
        var trueProbability = F.softmax(logits, 1).gather(1, labels.unsqueeze(1)).squeeze(1);
        return -trueProbability.SubtractedFrom(1L).Plus(1e-6).log().mean();
    }
}
