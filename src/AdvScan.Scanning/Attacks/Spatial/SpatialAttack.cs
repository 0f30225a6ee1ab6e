using System.Globalization;
using AdvScan.Attacks;

namespace AdvScan.Scanning.Attacks.Spatial;

/// <summary>
/// The spatial attack of Engstrom et al. ("Exploring the Landscape of Spatial Robustness", ICML 2019): the worst case
/// over k random rotations and translations (and optionally a grid), by default k = 10 within +-30 degrees and +-3 px,
/// which breaks standard CIFAR and ImageNet models about as badly as L-inf attacks, with no gradients. Label-only: it
/// asks ONNX Runtime for the predicted class of each transformed example (<see cref="LabelOracle"/>) and stops at the
/// first that is wrong (or the target), trying the transformations smallest first, so the example kept for the report
/// is the smallest transformation found that breaks it. Its budgets (eps) are shares of the configured range: eps 0.5
/// is +-15 degrees and +-1.5 px by default; the reported perturbation size is the share of the range the breaking
/// transformation needs.
/// </summary>
public sealed class SpatialAttack : ICraftingAttack
{
    public const double DefaultRotation = 30;
    public const double DefaultTranslation = 3;

    public string Name => "spatial";
    public IReadOnlyList<Norm> Norms { get; } = [Norm.Spatial];
    public AttackDefaults Defaults { get; } = new(Steps: 0, RandomStart: false, Queries: 10);
    public IReadOnlyList<string> Keys { get; } = [AttackKeys.Queries, AttackKeys.Rotation, AttackKeys.Translation, AttackKeys.Grid, AttackKeys.TargetClass];
    public AttackAccess Access => AttackAccess.Labels;

    public string Describe(AttackSettings s)
    {
        var c = CultureInfo.InvariantCulture;
        var parts = new List<string>
        {
            string.Create(c, $"rotation +-{s.Rotation ?? DefaultRotation} deg, translation +-{s.Translation ?? DefaultTranslation} px at eps 1"),
            string.Create(c, $"worst of {s.Queries} random transformations{(s.GridRotations > 0 ? $" and a {s.GridRotations} x {s.GridTranslations} x {s.GridTranslations} grid" : "")} per budget"),
            "hard labels only",
        };
        return AttackKeys.Describe(s, [.. parts]);
    }

    public PreparedCraft Prepare(AttackRun run)
    {
        long seed = run.Settings.Seed;
        var oracle = new RuntimeOracle(run.Runtime, run.Dataset.Mapping.ToModelInputHost);
        return new PreparedCraft((pixels, shape, labels, settings, cancellationToken) => Craft(oracle, seed, pixels, shape, labels, settings, cancellationToken));
    }

    /// <summary>Attacks host examples [N,C,H,W] in [0,1] at budget <see cref="AttackSettings.Epsilon"/>; <paramref name="seed"/> is the run's, not the batch's.</summary>
    public static CraftedBatch Craft(IScoreOracle scores, long seed, float[] pixels, long[] shape, int[] labels, AttackSettings settings, CancellationToken cancellationToken = default)
    {
        int n = (int)shape[0], channels = (int)shape[1], height = (int)shape[2], width = (int)shape[3];
        int size = channels * height * width;
        double rotation = settings.Rotation ?? DefaultRotation, translation = settings.Translation ?? DefaultTranslation;
        var candidates = Enumerable.Range(0, n).Select(i => SpatialCandidates.For(seed, pixels.AsSpan(i * size, size), settings.Epsilon, rotation, translation,
            settings.Queries, settings.GridRotations, settings.GridTranslations)).ToArray();
        var adversarial = (float[])pixels.Clone();
        var sizes = new float[n];
        var queries = new int[n];
        var fooled = new bool[n];
        var oracle = new LabelOracle(scores, shape);
        int longest = candidates.Length == 0 ? 0 : candidates.Max(c => c.Count);
        // Round j tries every standing example's j-th smallest transformation in one batch.
        for (int j = 0; j < longest; j++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Enumerable.Range(0, n).Where(i => !fooled[i] && j < candidates[i].Count).ToArray();
            if (rows.Length == 0) break;
            var batch = new float[rows.Length * size];
            for (int k = 0; k < rows.Length; k++)
                candidates[rows[k]][j].Apply(pixels.AsSpan(rows[k] * size, size), batch.AsSpan(k * size, size), channels, height, width);
            var predicted = oracle.Labels(batch, rows.Length);
            for (int k = 0; k < rows.Length; k++)
            {
                int i = rows[k];
                queries[i]++;
                bool broken = settings.TargetClass is { } target ? predicted[k] == target : predicted[k] != labels[i];
                if (!broken) continue;
                fooled[i] = true;
                batch.AsSpan(k * size, size).CopyTo(adversarial.AsSpan(i * size, size));
                sizes[i] = (float)candidates[i][j].Size(rotation, translation);
            }
        }
        return new CraftedBatch(adversarial, null, 0, queries.Sum(q => (long)q), QueriesPerExample: queries, Sizes: sizes);
    }
}
