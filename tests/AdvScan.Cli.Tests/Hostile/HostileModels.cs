using System.Diagnostics;
using AdvScan.Onnx;
using AdvScan.Onnx.Protobuf;
using Google.Protobuf;

namespace AdvScan.Cli.Tests.Hostile;

/// <summary>
/// Hostile ONNX models, built in code with the project's own builder (nothing binary is checked in). Each is small on
/// disk and asks for something a scanner must refuse: bytes from outside its folder, a file that blocks, sizes that
/// overflow or exhaust memory, outputs that cannot be judged.
/// </summary>
internal static class HostileModels
{
    /// <summary>A linear MNIST classifier ([N,1,28,28] to 10 logits): Flatten, then Gemm with a [10,784] weight.</summary>
    public static OnnxGraphBuilder Linear(Action<OnnxGraphBuilder, string>? after = null, long classes = 10)
    {
        var b = new OnnxGraphBuilder("hostile-linear");
        var x = b.Input("input", OnnxDataType.Float, "batch", 1, 28, 28);
        var flat = b.Node("Flatten", [x], new Dictionary<string, object> { ["axis"] = 1L });
        var random = new Random(5);
        var w = b.Initializer("fc.weight", [10, 784], Enumerable.Range(0, 7840).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray());
        var bias = b.Initializer("fc.bias", [10], new float[10]);
        var logits = b.Node("Gemm", [flat, w, bias], new Dictionary<string, object> { ["transB"] = 1L }, name: "fc");
        if (after is null) b.Output(logits, OnnxDataType.Float, "batch", classes);
        else after(b, logits);
        return b;
    }

    /// <summary>Writes <paramref name="proto"/> as model.onnx in <paramref name="folder"/>.</summary>
    public static string Write(ModelProto proto, string folder, string name = "model.onnx")
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }

    /// <summary>The linear classifier with fc.weight stored externally at <paramref name="location"/> (offset and length given as text).</summary>
    public static ModelProto ExternalWeight(string location, string offset = "0", string? length = null)
    {
        var proto = Linear().Build();
        var tensor = proto.Graph.Initializer.Single(t => t.Name == "fc.weight");
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length ?? tensor.RawData.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.RawData = ByteString.Empty;
        return proto;
    }

    /// <summary>A FIFO (named pipe) at <paramref name="path"/>: opening it for reading blocks until a writer comes, which never does.</summary>
    public static string Fifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        Assert.Equal(FileKind.Fifo, TrustBoundary.KindOf(path));
        return path;
    }

    /// <summary>A sparse file of <paramref name="bytes"/> bytes: it takes no room on disk but reads as zeros.</summary>
    public static string Sparse(string path, long bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew);
        stream.SetLength(bytes);
        return path;
    }

    /// <summary>
    /// <paramref name="count"/> float initializers of <paramref name="elements"/> each, all stored in the same external
    /// file at offset 0, summed into the logits' bias so every one is used.
    /// </summary>
    public static ModelProto ManyOverOneFile(string location, int count, long elements)
    {
        var b = Linear((b, logits) =>
        {
            var h = logits;
            for (int i = 0; i < count; i++)
            {
                var big = b.Initializer($"big{i}", [elements], new float[1]);
                var sum = b.Node("ReduceSum", [big], new Dictionary<string, object> { ["keepdims"] = 0L });
                h = b.Node("Add", [h, sum]);
            }
            b.Output(h, OnnxDataType.Float, "batch", 10);
        });
        var proto = b.Build();
        foreach (var tensor in proto.Graph.Initializer.Where(t => t.Name.StartsWith("big", StringComparison.Ordinal)))
        {
            tensor.Dims.Clear();
            tensor.Dims.Add(elements);
            tensor.RawData = ByteString.Empty;
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        }
        return proto;
    }

    /// <summary>A model whose only weight is a UINT64 constant above int64's range, cast into the logits.</summary>
    public static ModelProto Uint64Data()
    {
        var proto = Linear((b, logits) =>
        {
            var cast = b.Node("Cast", ["huge"], new Dictionary<string, object> { ["to"] = (long)OnnxDataType.Float });
            b.Output(b.Node("Add", [logits, cast]), OnnxDataType.Float, "batch", 10);
        }).Build();
        var huge = new TensorProto { Name = "huge", DataType = (int)OnnxDataType.UInt64 };
        huge.Dims.Add(1);
        huge.Uint64Data.Add(ulong.MaxValue);
        proto.Graph.Initializer.Add(huge);
        return proto;
    }

    /// <summary>A classifier whose logits are multiplied by (x - x) / (x - x) summed: NaN for every input (or infinity).</summary>
    public static ModelProto NonFinite(bool infinite = false) => Linear((b, logits) =>
    {
        var zero = b.Node("Sub", [logits, logits]);
        var bad = infinite ? b.Node("Div", [b.Scalar(1f), zero]) : b.Node("Div", [zero, zero]);
        b.Output(b.Node("Add", [logits, bad]), OnnxDataType.Float, "batch", 10);
    }).Build();

    /// <summary>A model whose first node folds, at import, to a float constant of <paramref name="shape"/> (ConstantOfShape of constants).</summary>
    public static ModelProto HugeConstantOfShape(params long[] shape) => Linear((b, logits) =>
    {
        var big = b.Node("ConstantOfShape", [b.Longs(shape)], name: "blow_up");
        var sum = b.Node("ReduceSum", [big], new Dictionary<string, object> { ["keepdims"] = 0L });
        b.Output(b.Node("Add", [logits, sum]), OnnxDataType.Float, "batch", 10);
    }).Build();

    /// <summary>
    /// A chain of <paramref name="nodes"/> cheap nodes written in reverse order (each node's input is produced by the
    /// node after it in the file): the order a quadratic topological sort handles worst.
    /// </summary>
    public static ModelProto ReversedChain(int nodes)
    {
        var b = new OnnxGraphBuilder("long-chain");
        b.Input("input", OnnxDataType.Float, 1, 4);
        b.Output($"v{nodes}", OnnxDataType.Float, 1, 4);
        var proto = b.Build();
        for (int i = nodes; i >= 1; i--)
        {
            var node = new NodeProto { OpType = "Relu", Name = $"n{i}" };
            node.Input.Add(i == 1 ? "input" : $"v{i - 1}");
            node.Output.Add($"v{i}");
            proto.Graph.Node.Add(node);
        }
        return proto;
    }

    /// <summary>A model that declares an input of [1, 1, side, side] (a 12000x12000 image in 230 bytes).</summary>
    public static ModelProto HugeDeclaredInput(long side)
    {
        var b = new OnnxGraphBuilder("huge-input");
        var x = b.Input("input", OnnxDataType.Float, "batch", 1, side, side);
        var y = b.Node("ReduceMean", [x], new Dictionary<string, object> { ["axes"] = new long[] { 2, 3 }, ["keepdims"] = 0L });
        b.Output(y, OnnxDataType.Float, "batch", 1);
        return b.Build();
    }
}
