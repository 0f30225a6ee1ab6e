using AdvScan.Onnx;
using AdvScan.Runtime;
using TorchSharp;

namespace AdvScan.Engine.Tests.Representations;

public class RepresentationExtractorTests
{
    private static readonly string Model = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../fixtures/mnist-badnets.onnx"));

    private static float[] Digits(int count)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(Model)!, "mnist-test-images-idx3-ubyte"));
        return bytes.Skip(16).Take(count * 784).Select(b => b / 255f).ToArray();
    }

    [Fact]
    public void Default_layer_is_the_input_of_the_last_gemm_and_the_last_layer_applied_to_it_gives_onnx_runtime_logits()
    {
        var onnx = OnnxModel.Load(Model);
        using var graph = OnnxGraph.Import(onnx);
        var extractor = new RepresentationExtractor(graph);
        var last = onnx.Proto.Graph.Node.Last(n => n.OpType == "Gemm");
        Assert.Equal(last.Input[0], extractor.Layer);

        var pixels = Digits(8);
        using var input = torch.tensor(pixels, [8, 1, 28, 28]);
        var h = extractor.Extract(input, out int d);
        Assert.Equal(64, d);
        // The oracle: ONNX Runtime's logits equal the last Gemm (y = h W^T + b, transB = 1 as exported) on these activations.
        var w = TensorConversion.ToHostFloats(graph.Initializers[last.Input[1]]);
        var b = TensorConversion.ToHostFloats(graph.Initializers[last.Input[2]]);
        Assert.Equal(1, last.Attribute.Single(a => a.Name == "transB").I);
        using var session = ReferenceSession.Open(onnx);
        var logits = session.RunFirst(new HostTensor(pixels, [8, 1, 28, 28])).Data;
        int classes = b.Length;
        for (int i = 0; i < 8; i++)
            for (int c = 0; c < classes; c++)
            {
                double y = b[c];
                for (int j = 0; j < d; j++) y += h[i * d + j] * w[c * d + j];
                Assert.Equal(logits[i * classes + c], y, 3);
            }

        // Stopping early must not leave a half-filled shape cache behind: a full run of the same shape still matches.
        using var full = graph.forward(input);
        var again = TensorConversion.ToHostFloats(full);
        for (int k = 0; k < again.Length; k++) Assert.Equal(logits[k], again[k], 3);
    }

    [Fact]
    public void A_named_node_that_does_not_exist_names_the_model_and_lists_candidates()
    {
        using var graph = OnnxGraph.Load(Model);
        var e = Assert.Throws<InvalidInputException>(() => new RepresentationExtractor(graph, "no-such-node"));
        Assert.Equal(Model, e.File);
        Assert.Contains("'no-such-node'", e.Message);
        Assert.Contains("fc2", e.Message);
        var weight = graph.Initializers.Keys.First();
        Assert.Contains("is a weight", Assert.Throws<InvalidInputException>(() => new RepresentationExtractor(graph, weight)).Message);
    }

    [Fact]
    public void A_named_node_gives_its_output()
    {
        using var graph = OnnxGraph.Load(Model);
        var relu = graph.Model.Proto.Graph.Node.First(n => n.OpType == "Relu");
        var extractor = new RepresentationExtractor(graph, relu.Name.Length > 0 ? relu.Name : relu.Output[0]);
        Assert.Equal(relu.Output[0], extractor.Layer);
        using var input = torch.tensor(Digits(2), [2, 1, 28, 28]);
        extractor.Extract(input, out int d);
        Assert.Equal(16 * 28 * 28, d);
    }
}
