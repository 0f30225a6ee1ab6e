using AdvScan.Engine;
using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks.Tests;

/// <summary>
/// What the linear oracles share: a binary linear classifier written as ONNX (Flatten, Gemm; logits [0, w.x + b]) over
/// side x side single-channel images, its weights, norms and margins, and the examples a subclass places around it.
/// </summary>
internal abstract class LinearModelOracle : IDisposable
{
    private readonly int side;
    private readonly int features;

    /// <param name="bias">The bias from the weights and the same random stream (drawn after the weights).</param>
    protected LinearModelOracle(string name, int side, Random random, Func<float[], Random, float> bias)
    {
        this.side = side;
        features = side * side;
        Weights = Enumerable.Range(0, features).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        Bias = bias(Weights, random);
        var builder = new OnnxGraphBuilder(name, 17);
        var x = builder.Input("input", OnnxDataType.Float, "batch", 1, side, side);
        var flat = builder.Node("Flatten", [x]);
        var w = new float[2 * features];
        Array.Copy(Weights, 0, w, features, features);
        var gemm = builder.Node("Gemm", [flat, builder.Initializer("w", [2, features], w), builder.Initializer("b", [2], [0f, Bias])],
            new Dictionary<string, object> { ["transB"] = 1L });
        builder.Output(gemm, OnnxDataType.Float, "batch", 2);
        ModelBytes = builder.ToBytes();
        Graph = OnnxGraph.Import(OnnxModel.Parse(ModelBytes, name + ".onnx"));
    }

    public float[] Weights { get; }
    public float Bias { get; }
    public byte[] ModelBytes { get; }
    public OnnxGraph Graph { get; }
    public float[] Pixels { get; protected init; } = [];
    public int[] Labels { get; protected init; } = [];
    public int Count => Labels.Length;
    public long[] Shape => [Count, 1, side, side];
    public double L1 => Weights.Sum(v => Math.Abs((double)v));
    public double L2 => Math.Sqrt(Weights.Sum(v => (double)v * v));

    public double Margin(ReadOnlySpan<float> x)
    {
        double m = Bias;
        for (int i = 0; i < features; i++) m += Weights[i] * x[i];
        return m;
    }

    protected double Margin(double[] x)
    {
        double m = Bias;
        for (int i = 0; i < features; i++) m += Weights[i] * x[i];
        return m;
    }

    protected double MarginAt(int i) => Margin(Pixels.AsSpan(i * features, features));

    public bool Correct(int i) => (MarginAt(i) > 0 ? 1 : 0) == Labels[i];

    public Tensor PixelTensor() => torch.tensor(Pixels, Shape);
    public Tensor LabelTensor() => torch.tensor(Labels.Select(l => (long)l).ToArray(), [Count]);

    public void Dispose() => Graph.Dispose();
}
