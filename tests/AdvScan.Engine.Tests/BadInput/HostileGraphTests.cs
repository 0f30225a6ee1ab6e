using System.Diagnostics;
using AdvScan.Onnx;
using AdvScan.Onnx.Protobuf;
using AdvScan.Runtime;
using Google.Protobuf;
using AdvScan.Cli.Tests.Hostile;
using TorchSharp;

namespace AdvScan.Engine.Tests.BadInput;

/// <summary>
/// Graphs built to exhaust the importer (issue 24): its work is linear in the graph's size and bounded by
/// <see cref="ResourceLimits.MaxGraphNodes"/>, and constant folding refuses outputs above
/// <see cref="ResourceLimits.MaxTensorElements"/> before allocating them.
/// </summary>
public class HostileGraphTests
{
    private static OnnxModel ReversedChain(int nodes) => OnnxModel.Parse(HostileModels.ReversedChain(nodes).ToByteArray(), "chain.onnx");

    [Fact]
    public void A_200000_node_graph_imports_in_under_10_seconds()
    {
        var model = ReversedChain(200_000);
        var clock = Stopwatch.StartNew();
        using var graph = OnnxGraph.Import(model);
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"import took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(200_000, graph.ExecutedNodeCount);

        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { -1, 0.5f, 2, -3 }, [1, 4]);
        Assert.Equal(new float[] { 0, 0.5f, 2, 0 }, graph.forward(x).data<float>().ToArray());
    }

    [Fact]
    public void Nodes_in_any_file_order_run_after_what_they_read_and_compute_what_onnx_runtime_does()
    {
        // A diamond-rich DAG: every node reads two earlier values; the file lists the nodes shuffled.
        var b = new OnnxGraphBuilder("shuffled");
        b.Input("input", OnnxDataType.Float, 2, 3);
        b.Output("output", OnnxDataType.Float, 2, 3);
        var proto = b.Build();
        var values = new List<string> { "input" };
        var nodes = new List<NodeProto>();
        var random = new Random(3);
        string[] ops = ["Max", "Min", "Mean"]; // bounded by the input range, so the comparison stays finite
        for (int i = 0; i < 300; i++)
        {
            var node = new NodeProto { OpType = ops[i % ops.Length], Name = $"n{i}" };
            node.Input.Add(values[random.Next(values.Count)]);
            node.Input.Add(values[Math.Max(0, values.Count - 1 - random.Next(3))]);
            node.Output.Add($"v{i}");
            values.Add($"v{i}");
            nodes.Add(node);
        }
        var tanh = new NodeProto { OpType = "Tanh", Name = "squash" };
        tanh.Input.Add(values[^1]);
        tanh.Output.Add("output");
        nodes.Add(tanh);
        proto.Graph.Node.AddRange(nodes.OrderBy(_ => random.Next()));
        var model = OnnxModel.Parse(proto.ToByteArray(), "shuffled.onnx");

        var input = new float[] { 0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f };
        using var graph = OnnxGraph.Import(model);
        using var scope = torch.NewDisposeScope();
        var engine = graph.forward(torch.tensor(input, [2, 3])).data<float>().ToArray();
        using var runtime = ReferenceSession.Open(model);
        var reference = runtime.RunFirst(new HostTensor(input, [2, 3])).Data;
        for (int i = 0; i < input.Length; i++) Assert.Equal(reference[i], engine[i], 4);
    }

    [Fact]
    public void A_graph_above_the_node_limit_is_refused_at_load_with_the_key_to_raise_it()
    {
        var bytes = ReversedChain(1_001).Proto.ToByteArray();
        using (ResourceLimits.Use(new ResourceLimits { MaxGraphNodes = 1_000 }))
        {
            var e = Assert.Throws<InvalidInputException>(() => OnnxModel.Parse(bytes, "chain.onnx"));
            Assert.Contains("1001, above the limit of 1000", e.Message);
            Assert.Contains("limits.maxGraphNodes", e.Message);
        }
        Assert.Equal(1_001, OnnxModel.Parse(bytes, "chain.onnx").Proto.Graph.Node.Count);
    }

    /// <summary>One graph per op whose folded size comes from values or broadcasting, each asking for about 1e10 elements.</summary>
    public static TheoryData<string> FoldingBlowUps() => ["ConstantOfShape", "Expand", "Tile", "Range", "Pad", "Resize", "Upsample", "Add", "MatMul", "OneHot", "Gather"];

    private static OnnxModel BlowUp(string op)
    {
        var b = new OnnxGraphBuilder($"blow-up-{op}", op == "Upsample" ? 9 : 17);
        var x = b.Input("input", OnnxDataType.Float, 1, 4);
        b.Output(b.Node("Relu", [x]), OnnxDataType.Float, 1, 4);
        var column = b.Initializer("column", [100_000, 1], new float[100_000]);
        var row = b.Initializer("row", [1, 100_000], new float[100_000]);
        var small = b.Initializer("small", [1, 1, 2, 2], new float[4]);
        string[] inputs = op switch
        {
            "ConstantOfShape" => [b.Longs(100_000, 100_000)],
            "Expand" => [b.Initializer("one", [1], new float[1]), b.Longs(100_000, 100_000)],
            "Tile" => [small, b.Longs(1, 1, 50_000, 50_000)],
            "Range" => [b.Scalar(0), b.Scalar(1e10f), b.Scalar(1)],
            "Pad" => [small, b.Longs(0, 0, 50_000, 50_000, 0, 0, 50_000, 50_000)],
            "Resize" => [small, "", b.Initializer("scales", [4], new[] { 1f, 1f, 50_000f, 50_000f })],
            "Upsample" => [small, b.Initializer("scales", [4], new[] { 1f, 1f, 50_000f, 50_000f })],
            "Add" or "MatMul" => [column, row],
            "OneHot" => [b.Initializer("indices", [1], [0L]), b.Longs(10_000_000_000), b.Initializer("values", [2], new[] { 0f, 1f })],
            "Gather" => [row, b.Initializer("indices", [100_000], new long[100_000])],
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };
        b.Node(op, inputs, name: "blow_up");
        return OnnxModel.Parse(b.Build().ToByteArray(), "blow-up.onnx");
    }

    [Theory]
    [MemberData(nameof(FoldingBlowUps))]
    public void Constant_folding_refuses_an_output_above_the_element_limit_before_allocating_it(string op)
    {
        var model = BlowUp(op);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InvalidInputException>(() => OnnxGraph.Import(model));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"refused after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Contains($"node 'blow_up' ({op}) folds at import to a constant", e.Message);
        Assert.Contains("limits.maxTensorElements", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Constant_folding_below_the_limit_still_folds()
    {
        var b = new OnnxGraphBuilder("fold-ok");
        var x = b.Input("input", OnnxDataType.Float, 2, 3);
        var filled = b.Node("ConstantOfShape", [b.Longs(2, 3)]);
        b.Output(b.Node("Add", [x, filled]), OnnxDataType.Float, 2, 3);
        using var graph = OnnxGraph.Import(OnnxModel.Parse(b.Build().ToByteArray(), "ok.onnx"));
        Assert.Equal(1, graph.ExecutedNodeCount);
    }
}
