using AdvScan.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Checks.Patch;

/// <summary>The patch a search kept, and what every restart scored on the training part.</summary>
/// <param name="Patch">The kept restart's patch; its <see cref="OptimisedPatch.TrainSuccess"/> is its score here.</param>
/// <param name="Scores">Every restart's success on the training part under the selection draws, in order.</param>
/// <param name="Kept">Index of the kept restart: the first with the highest score.</param>
public sealed record PatchSearchResult(OptimisedPatch Patch, IReadOnlyList<double> Scores, int Kept);

/// <summary>
/// Restarts: the optimisation from several random textures, each scored on the training part under the same seeded
/// draws, the best kept. The held-out examples play no part in the choice, so the judged figure stays an honest one for
/// the strongest patch found; a single restart skips the scoring's choice but still reports the score.
/// </summary>
public sealed class PatchSearch(OnnxGraph graph, Func<Tensor, Tensor> toModelInput)
{
    /// <summary>Rows (images x draws) per scoring forward pass.</summary>
    private const int RowsPerPass = 512;

    /// <param name="pixels">Training images [N,C,H,W] in [0,1] on the graph's device (examples of the target class already left out).</param>
    public PatchSearchResult Run(Tensor pixels, int[] labels, PatchGeometry geometry, PatchSettings settings, long seed, int areaKey,
        Action? onStep = null, CancellationToken cancellationToken = default)
    {
        var optimiser = new PatchOptimizer(graph, toModelInput);
        var eligible = Eligible(pixels, labels, settings.Target);
        var random = PatchSeeds.Random(seed, PatchSeeds.Select, areaKey);
        var draws = Enumerable.Range(0, labels.Length * settings.DrawsPerImage).Select(_ => EotDraw.Sample(random, geometry, settings.Region, settings.Eot)).ToList();
        var scores = new List<double>(settings.Restarts);
        OptimisedPatch? best = null;
        int kept = 0;
        for (int restart = 0; restart < settings.Restarts; restart++)
        {
            var patch = optimiser.Optimise(pixels, labels, geometry, settings, seed, areaKey, onStep, cancellationToken, restart);
            scores.Add(Score(patch, pixels, labels, eligible, geometry, draws, settings));
            if (best is null || scores[restart] > scores[kept]) (best, kept) = (patch, restart);
        }
        return new PatchSearchResult(best! with { TrainSuccess = scores[kept] }, scores, kept);
    }

    /// <summary>Which training images count: targeted, all of them; untargeted, those the graph classifies correctly clean.</summary>
    private bool[] Eligible(Tensor pixels, int[] labels, int? target)
    {
        if (target is not null) return Enumerable.Repeat(true, labels.Length).ToArray();
        var eligible = new bool[labels.Length];
        using var noGrad = torch.no_grad();
        for (int from = 0; from < labels.Length; from += RowsPerPass)
        {
            using var scope = torch.NewDisposeScope();
            int count = Math.Min(RowsPerPass, labels.Length - from);
            var predicted = graph.forward(toModelInput(pixels.narrow(0, from, count))).argmax(1).cpu().data<long>().ToArray();
            for (int k = 0; k < count; k++) eligible[from + k] = predicted[k] == labels[from + k];
        }
        return eligible;
    }

    /// <summary>The share of eligible (image, draw) rows of the training part the graph counts as taken over.</summary>
    private double Score(OptimisedPatch patch, Tensor pixels, int[] labels, bool[] eligible, PatchGeometry geometry, IReadOnlyList<EotDraw> draws, PatchSettings settings)
    {
        int perImage = settings.DrawsPerImage, images = Math.Max(1, RowsPerPass / perImage);
        long fooled = 0, counted = 0;
        using var noGrad = torch.no_grad();
        using var outer = torch.NewDisposeScope();
        var device = pixels.device;
        var texture = torch.tensor(patch.Texture, patch.Shape).to(device);
        var mask = torch.tensor(geometry.Mask(), [1, patch.Shape[1], patch.Shape[2]]).to(device);
        for (int from = 0; from < labels.Length; from += images)
        {
            using var scope = torch.NewDisposeScope();
            int count = Math.Min(images, labels.Length - from);
            var batch = pixels.narrow(0, from, count).repeat_interleave(perImage, 0);
            var placed = PatchApplier.Apply(texture, mask, batch, draws.Skip(from * perImage).Take(count * perImage).ToList(), noisePerDraw: false);
            var predicted = graph.forward(toModelInput(placed)).argmax(1).cpu().data<long>().ToArray();
            for (int row = 0; row < predicted.Length; row++)
            {
                int image = from + row / perImage;
                if (!eligible[image]) continue;
                counted++;
                if (settings.Target is { } t ? predicted[row] == t : predicted[row] != labels[image]) fooled++;
            }
        }
        return counted == 0 ? 0 : fooled / (double)counted;
    }
}
