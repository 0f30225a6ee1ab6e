using AdvScan.Onnx;

namespace AdvScan.Engine.Tests;

/// <summary>Small ONNX graphs authored in code, with seeded random weights, for parity and gradient tests.</summary>
internal static class TestModels
{
    public static float[] RandomFloats(Random random, int count, double scale = 0.5)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return data;
    }

    /// <summary>LeNet-style CNN: Conv-Relu-MaxPool x2, then Reshape via a Shape subgraph (as torch.onnx.export emits), Gemm.</summary>
    public static OnnxGraphBuilder SmallCnn(int seed = 1, long opset = 17)
    {
        var r = new Random(seed);
        var b = new OnnxGraphBuilder("small-cnn", opset);
        var x = b.Input("input", OnnxDataType.Float, "batch", 1, 12, 12);
        var w1 = b.Initializer("conv1.weight", [4, 1, 3, 3], RandomFloats(r, 36));
        var b1 = b.Initializer("conv1.bias", [4], RandomFloats(r, 4));
        var h = b.Node("Conv", [x, w1, b1], new Dictionary<string, object> { ["kernel_shape"] = new long[] { 3, 3 }, ["pads"] = new long[] { 1, 1, 1, 1 } });
        h = b.Node("Relu", [h]);
        h = b.Node("MaxPool", [h], new Dictionary<string, object> { ["kernel_shape"] = new long[] { 2, 2 }, ["strides"] = new long[] { 2, 2 } });
        var w2 = b.Initializer("conv2.weight", [8, 4, 3, 3], RandomFloats(r, 288));
        var b2 = b.Initializer("conv2.bias", [8], RandomFloats(r, 8));
        h = b.Node("Conv", [h, w2, b2], new Dictionary<string, object> { ["kernel_shape"] = new long[] { 3, 3 } });
        h = b.Node("Relu", [h]);
        var shape = b.Node("Shape", [h]);
        var batch = b.Node("Gather", [shape, b.Initializer("zero", [], [0L])], new Dictionary<string, object> { ["axis"] = 0L });
        var batch1 = b.Node("Unsqueeze", [batch, b.Longs(0)]);
        var target = b.Node("Concat", [batch1, b.Longs(-1)], new Dictionary<string, object> { ["axis"] = 0L });
        h = b.Node("Reshape", [h, target]);
        var w3 = b.Initializer("fc.weight", [3, 8 * 4 * 4], RandomFloats(r, 3 * 128, 0.2));
        var b3 = b.Initializer("fc.bias", [3], RandomFloats(r, 3));
        var logits = b.Node("Gemm", [h, w3, b3], new Dictionary<string, object> { ["transB"] = 1L }, name: "fc");
        b.Output(logits, OnnxDataType.Float, "batch", 3);
        return b;
    }

    public static string WriteTemp(OnnxGraphBuilder builder, string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "advscan-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, builder.ToBytes());
        return path;
    }
}
