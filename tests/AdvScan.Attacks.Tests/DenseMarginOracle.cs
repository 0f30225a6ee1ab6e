using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks.Tests;

/// <summary>
/// A binary linear classifier (Flatten, Gemm; logits [0, w.x + b]) over 8x8 images whose examples are placed, on
/// purpose, just inside and just outside several budgets: most margins |w.x + b| lie within 0.1%-3% of eps ||w||_1
/// (L-inf) or eps ||w||_2 (L2) for one of <see cref="LInfBudgets"/> or <see cref="L2Budgets"/>. An attack that ends even
/// 1% short of the optimal perturbation leaves a dozen borderline examples standing and overstates robust accuracy, which
/// the sparse <see cref="LinearOracle"/> (margins spread widely) cannot see. Pixels stay in [0.3, 0.7], so budgets up to
/// L-inf 0.3 never meet the [0,1] box and the closed form (robust iff correct and margin above the budget's) is exact.
/// </summary>
internal sealed class DenseMarginOracle : LinearModelOracle
{
    public const int Side = 8;
    public const int Features = Side * Side;
    public static readonly double[] LInfBudgets = [0.02, 0.04, 0.08];
    public static readonly double[] L2Budgets = [0.1, 0.25, 0.5];

    public DenseMarginOracle(int seed, int count = 500) : this(new Random(seed), count) { }

    // Centre the boundary on the grey image, so reaching any target margin moves pixels only a little.
    private DenseMarginOracle(Random random, int count)
        : base("dense-linear", Side, random, (w, r) => (float)(-0.5 * w.Sum(v => (double)v) + r.NextDouble() * 0.2 - 0.1))
    {
        double squared = Weights.Sum(v => (double)v * v);
        var boundaries = LInfBudgets.Select(e => e * L1).Concat(L2Budgets.Select(e => e * L2)).ToArray();
        var pixels = new List<float>();
        var labels = new List<int>();
        while (labels.Count < count)
        {
            // One example in ten gets a margin anywhere in [0, 2]; the rest sit 0.1%-3% inside or outside a boundary.
            double target = random.NextDouble() < 0.1
                ? 2 * random.NextDouble()
                : boundaries[random.Next(boundaries.Length)] * (1 + (random.Next(2) == 0 ? -1 : 1) * (0.001 + 0.029 * random.NextDouble()));
            int side = random.Next(2) == 0 ? -1 : 1;
            var sample = Enumerable.Range(0, Features).Select(_ => 0.45 + 0.1 * random.NextDouble()).ToArray();
            // Move along w until the margin is exactly the target (w.x + b = side * target).
            double shift = (side * target - Margin(sample)) / squared;
            for (int i = 0; i < Features; i++) sample[i] += shift * Weights[i];
            if (sample.Any(v => v < 0.3 || v > 0.7)) continue;
            var stored = sample.Select(v => (float)v).ToArray();
            double margin = Margin(stored);
            // The float32 pixels must keep the example on the intended side of every boundary it is close to.
            if (boundaries.Any(b => Math.Abs(Math.Abs(margin) - b) < 2e-4 * b)) continue;
            pixels.AddRange(stored);
            int predicted = margin > 0 ? 1 : 0;
            labels.Add(random.NextDouble() < 0.9 ? predicted : 1 - predicted);
        }
        Pixels = pixels.ToArray();
        Labels = labels.ToArray();
    }

    public double BudgetMargin(Norm norm, double epsilon) => epsilon * (norm == Norm.LInf ? L1 : L2);

    /// <summary>Exact robust accuracy: the share of examples that are correct and farther from the boundary than the budget reaches.</summary>
    public int ExactRobustCount(Norm norm, double epsilon) =>
        Enumerable.Range(0, Count).Count(i => Correct(i) && Math.Abs(MarginAt(i)) > BudgetMargin(norm, epsilon));

    /// <summary>Correct examples within 3% of the budget's boundary, on either side: the ones a slightly short attack gets wrong.</summary>
    public int Borderline(Norm norm, double epsilon) =>
        Enumerable.Range(0, Count).Count(i => Correct(i) && Math.Abs(Math.Abs(MarginAt(i)) / BudgetMargin(norm, epsilon) - 1) < 0.03);

    /// <summary>Examples an attack left standing: correct when clean and not fooled.</summary>
    public int RobustCount(bool[] fooled) => Enumerable.Range(0, Count).Count(i => Correct(i) && !fooled[i]);
}
