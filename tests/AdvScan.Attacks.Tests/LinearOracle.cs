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
internal sealed class LinearOracle : IDisposable
{
    public const int Features = 16;

    public LinearOracle(int seed, int count = 200)
    {
        var random = new Random(seed);
        Weights = Enumerable.Range(0, Features).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        Bias = (float)(random.NextDouble() * 0.2 - 0.1);
        var builder = new OnnxGraphBuilder("linear", 17);
        var x = builder.Input("input", OnnxDataType.Float, "batch", 1, 4, 4);
        var flat = builder.Node("Flatten", [x]);
        var w = new float[2 * Features];
        Array.Copy(Weights, 0, w, Features, Features);
        var gemm = builder.Node("Gemm", [flat, builder.Initializer("w", [2, Features], w), builder.Initializer("b", [2], [0f, Bias])],
            new Dictionary<string, object> { ["transB"] = 1L });
        builder.Output(gemm, OnnxDataType.Float, "batch", 2);
        ModelBytes = builder.ToBytes();
        Graph = OnnxGraph.Import(OnnxModel.Parse(ModelBytes, "linear.onnx"));

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

    public float[] Weights { get; }
    public float Bias { get; }
    public byte[] ModelBytes { get; }
    public OnnxGraph Graph { get; }
    public float[] Pixels { get; }
    public int[] Labels { get; }
    public int Count => Labels.Length;
    public long[] Shape => [Count, 1, 4, 4];
    public double L1 => Weights.Sum(v => Math.Abs((double)v));
    public double L2 => Math.Sqrt(Weights.Sum(v => (double)v * v));

    public double Margin(ReadOnlySpan<float> x)
    {
        double m = Bias;
        for (int i = 0; i < Features; i++) m += Weights[i] * x[i];
        return m;
    }

    private bool Correct(int i) => (Margin(Pixels.AsSpan(i * Features, Features)) > 0 ? 1 : 0) == Labels[i];

    /// <summary>Exact robust accuracy: share of all examples that are correct and farther than the budget from the boundary.</summary>
    public double ExactRobustAccuracy(Norm norm, double epsilon) =>
        Enumerable.Range(0, Count).Count(i => Correct(i) && Math.Abs(Margin(Pixels.AsSpan(i * Features, Features))) > epsilon * (norm == Norm.LInf ? L1 : L2)) / (double)Count;

    public double ExactMinimalL2(int i) => Math.Abs(Margin(Pixels.AsSpan(i * Features, Features))) / L2;

    public IEnumerable<int> CorrectIndices => Enumerable.Range(0, Count).Where(Correct);

    public Tensor PixelTensor() => torch.tensor(Pixels, Shape);
    public Tensor LabelTensor() => torch.tensor(Labels.Select(l => (long)l).ToArray(), [Count]);

    /// <summary>Robust accuracy an attack achieved: correct when clean and not fooled.</summary>
    public double RobustAccuracy(AttackBatchResult result)
    {
        var fooled = result.Fooled.data<bool>().ToArray();
        return Enumerable.Range(0, Count).Count(i => Correct(i) && !fooled[i]) / (double)Count;
    }

    public void Dispose() => Graph.Dispose();
}
