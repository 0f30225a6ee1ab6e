using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks.Tests;

/// <summary>
/// A binary linear classifier written as ONNX (Flatten, Gemm; logits [0, w.x + b]) with examples whose pixels lie in
/// [0.3, 0.7], so budgets up to 0.3 never meet the [0,1] box. Then the exact answer is known in closed form: an example
/// is robust iff it is correct and its margin |w.x + b| exceeds eps * ||w||_1 (L-inf) or eps * ||w||_2 (L2), and the
/// minimal adversarial L2 distance is |w.x + b| / ||w||_2.
/// </summary>
internal sealed class LinearOracle : LinearModelOracle
{
    public const int Features = 16;

    public LinearOracle(int seed, int count = 200) : this(new Random(seed), count) { }

    private LinearOracle(Random random, int count) : base("linear", 4, random, (_, r) => (float)(r.NextDouble() * 0.2 - 0.1))
    {
        var pixels = new List<float>();
        var labels = new List<int>();
        while (labels.Count < count)
        {
            var sample = Enumerable.Range(0, Features).Select(_ => (float)(0.3 + 0.4 * random.NextDouble())).ToArray();
            double margin = Margin(sample);
            // Keep examples away from the decision boundary of every budget tested, so float rounding cannot flip a verdict.
            if (new[] { 0.0, 0.05, 0.1, 0.2 }.Any(e => Math.Abs(Math.Abs(margin) - e * L1) < 1e-3 || Math.Abs(Math.Abs(margin) - e * L2) < 1e-3)) continue;
            pixels.AddRange(sample);
            int predicted = margin > 0 ? 1 : 0;
            labels.Add(random.NextDouble() < 0.85 ? predicted : 1 - predicted);
        }
        Pixels = pixels.ToArray();
        Labels = labels.ToArray();
    }

    /// <summary>Exact robust accuracy: share of all examples that are correct and farther than the budget from the boundary.</summary>
    public double ExactRobustAccuracy(Norm norm, double epsilon) =>
        Enumerable.Range(0, Count).Count(i => Correct(i) && Math.Abs(Margin(Pixels.AsSpan(i * Features, Features))) > epsilon * (norm == Norm.LInf ? L1 : L2)) / (double)Count;

    public double ExactMinimalL2(int i) => Math.Abs(Margin(Pixels.AsSpan(i * Features, Features))) / L2;

    public IEnumerable<int> CorrectIndices => Enumerable.Range(0, Count).Where(Correct);

    /// <summary>Robust accuracy an attack achieved: correct when clean and not fooled.</summary>
    public double RobustAccuracy(AttackBatchResult result)
    {
        var fooled = result.Fooled.data<bool>().ToArray();
        return Enumerable.Range(0, Count).Count(i => Correct(i) && !fooled[i]) / (double)Count;
    }
}
