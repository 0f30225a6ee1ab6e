using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Bench;

/// <summary>The benchmark CNN's weights, shared by its ONNX export and its hand-written TorchSharp twin.</summary>
internal sealed record LeNetWeights(float[] Conv1W, float[] Conv1B, float[] Conv2W, float[] Conv2B, float[] Fc1W, float[] Fc1B, float[] Fc2W, float[] Fc2B)
{
    public static readonly long[] Conv1Shape = [32, 1, 3, 3];
    public static readonly long[] Conv2Shape = [64, 32, 3, 3];
    public static readonly long[] Fc1Shape = [128, 64 * 7 * 7];
    public static readonly long[] Fc2Shape = [10, 128];

    public static LeNetWeights Random(int seed)
    {
        var r = new System.Random(seed);
        float[] He(long fanIn, long count) => Enumerable.Range(0, (int)count).Select(_ => (float)((r.NextDouble() * 2 - 1) * Math.Sqrt(6.0 / fanIn))).ToArray();
        return new LeNetWeights(
            He(9, 32 * 9), He(9, 32), He(32 * 9, 64 * 32 * 9), He(32 * 9, 64),
            He(64 * 49, 128 * 64 * 49), He(64 * 49, 128), He(128, 1280), He(128, 10));
    }

    /// <summary>The graph torch.onnx.export writes for this net: padded convs, Shape-Gather-Unsqueeze-Concat-Reshape flatten, Gemm transB.</summary>
    public OnnxGraphBuilder ToOnnx()
    {
        var b = new OnnxGraphBuilder("lenet");
        var x = b.Input("input", OnnxDataType.Float, "batch", 1, 28, 28);
        var conv = new Dictionary<string, object> { ["kernel_shape"] = new long[] { 3, 3 }, ["pads"] = new long[] { 1, 1, 1, 1 } };
        var pool = new Dictionary<string, object> { ["kernel_shape"] = new long[] { 2, 2 }, ["strides"] = new long[] { 2, 2 } };
        var h = b.Node("Conv", [x, b.Initializer("conv1.weight", Conv1Shape, Conv1W), b.Initializer("conv1.bias", [32], Conv1B)], conv);
        h = b.Node("MaxPool", [b.Node("Relu", [h])], pool);
        h = b.Node("Conv", [h, b.Initializer("conv2.weight", Conv2Shape, Conv2W), b.Initializer("conv2.bias", [64], Conv2B)], conv);
        h = b.Node("MaxPool", [b.Node("Relu", [h])], pool);
        var batch = b.Node("Gather", [b.Node("Shape", [h]), b.Initializer("zero", [], [0L])], new Dictionary<string, object> { ["axis"] = 0L });
        var target = b.Node("Concat", [b.Node("Unsqueeze", [batch, b.Longs(0)]), b.Longs(-1)], new Dictionary<string, object> { ["axis"] = 0L });
        h = b.Node("Reshape", [h, target]);
        var transB = new Dictionary<string, object> { ["transB"] = 1L };
        h = b.Node("Relu", [b.Node("Gemm", [h, b.Initializer("fc1.weight", Fc1Shape, Fc1W), b.Initializer("fc1.bias", [128], Fc1B)], transB)]);
        var logits = b.Node("Gemm", [h, b.Initializer("fc2.weight", Fc2Shape, Fc2W), b.Initializer("fc2.bias", [10], Fc2B)], transB);
        b.Output(logits, OnnxDataType.Float, "batch", 10);
        return b;
    }
}

/// <summary>The same CNN written directly against TorchSharp, as a user would without an ONNX importer.</summary>
internal sealed class HandWrittenLeNet : nn.Module<Tensor, Tensor>
{
    private readonly Tensor _c1w, _c1b, _c2w, _c2b, _f1w, _f1b, _f2w, _f2b;

    public HandWrittenLeNet(LeNetWeights w) : base("HandWrittenLeNet")
    {
        Tensor T(float[] data, long[] shape) => torch.tensor(data, shape).DetachFromDisposeScope();
        _c1w = T(w.Conv1W, LeNetWeights.Conv1Shape); _c1b = T(w.Conv1B, [32]);
        _c2w = T(w.Conv2W, LeNetWeights.Conv2Shape); _c2b = T(w.Conv2B, [64]);
        _f1w = T(w.Fc1W, LeNetWeights.Fc1Shape); _f1b = T(w.Fc1B, [128]);
        _f2w = T(w.Fc2W, LeNetWeights.Fc2Shape); _f2b = T(w.Fc2B, [10]);
    }

    public override Tensor forward(Tensor x)
    {
        var h = F.max_pool2d(F.relu(F.conv2d(x, _c1w, _c1b, padding: [1, 1])), [2, 2], [2, 2]);
        h = F.max_pool2d(F.relu(F.conv2d(h, _c2w, _c2b, padding: [1, 1])), [2, 2], [2, 2]);
        h = h.reshape(h.shape[0], -1);
        h = F.relu(F.linear(h, _f1w, _f1b));
        return F.linear(h, _f2w, _f2b);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) foreach (var t in new[] { _c1w, _c1b, _c2w, _c2b, _f1w, _f1b, _f2w, _f2b }) t.Dispose();
        base.Dispose(disposing);
    }
}
