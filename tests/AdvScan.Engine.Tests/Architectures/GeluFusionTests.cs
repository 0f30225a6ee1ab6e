using AdvScan.Onnx;
using AdvScan.Scanning;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Tests.Architectures;

/// <summary>
/// PyTorch's exporter writes an exact GELU before opset 20 as Div, Erf, Add, Mul, Mul over Constant nodes (torchvision's
/// ViT and Swin MLPs); the engine runs that chain as one GELU so autograd keeps x alone for the backward pass.
/// </summary>
public class GeluFusionTests
{
    private static readonly float[] W1 = TestModels.RandomFloats(new Random(5), 8 * 16, 1.0);
    private static readonly float[] W2 = TestModels.RandomFloats(new Random(6), 16 * 4, 1.0);

    private static string Constant(OnnxGraphBuilder b, string name, float value) =>
        b.Node("Constant", [], new Dictionary<string, object> { ["value"] = OnnxTensor.FromFloats(name, [], [value]) });

    /// <summary>input [batch,6,8] -> MatMul -> the exported GELU chain -> MatMul -> [batch,6,4].</summary>
    private static OnnxGraphBuilder Mlp(bool erfAlsoAnOutput = false)
    {
        var b = new OnnxGraphBuilder("mlp-gelu", 17);
        var input = b.Input("input", OnnxDataType.Float, "batch", 6, 8);
        var x = b.Node("MatMul", [input, b.Initializer("fc1", [8, 16], W1)]);
        var erf = b.Node("Erf", [b.Node("Div", [x, Constant(b, "sqrt2", (float)Math.Sqrt(2))])]);
        var gelu = b.Node("Mul", [b.Node("Mul", [x, b.Node("Add", [erf, Constant(b, "one", 1f)])]), Constant(b, "half", 0.5f)]);
        b.Output(b.Node("MatMul", [gelu, b.Initializer("fc2", [16, 4], W2)]), OnnxDataType.Float, "batch", 6, 4);
        if (erfAlsoAnOutput) b.Output(erf, OnnxDataType.Float, "batch", 6, 16);
        return b;
    }

    /// <summary>The same function written out in TorchSharp, for the values and the input gradient.</summary>
    private static (Tensor Output, Tensor Gradient) ByHand(Tensor input)
    {
        var x0 = input.detach().requires_grad_(true);
        var x = x0.matmul(torch.tensor(W1, [8, 16]));
        var gelu = x * (torch.erf(x / Math.Sqrt(2)) + 1) * 0.5;
        var y = gelu.matmul(torch.tensor(W2, [16, 4]));
        return (y.detach(), torch.autograd.grad([y.sum()], [x0])[0]);
    }

    [Fact]
    public void The_exported_gelu_chain_runs_as_one_step_with_the_same_values_and_gradients()
    {
        using var graph = OnnxGraph.Import(OnnxModel.Parse(Mlp().ToBytes()));
        Assert.Equal(3, graph.ExecutedNodeCount); // MatMul, Gelu, MatMul; the Constants fold

        using var scope = torch.NewDisposeScope();
        var input = torch.randn([3, 6, 8], generator: new Generator(11));
        var x = input.clone().requires_grad_(true);
        var y = graph.forward(x);
        var gradient = torch.autograd.grad([y.sum()], [x])[0];
        var (expected, expectedGradient) = ByHand(input);
        Assert.True((y - expected).abs().max().item<float>() <= 1e-4f * expected.abs().max().item<float>());
        Assert.True((gradient - expectedGradient).abs().max().item<float>() <= 1e-4f * expectedGradient.abs().max().item<float>());
    }

    [Fact]
    public void The_fused_graph_keeps_parity_with_onnx_runtime_which_runs_the_chain_as_written()
    {
        var report = ModelCheck.Run(TestModels.WriteTemp(Mlp(), "mlp-gelu.onnx"));
        Assert.True(report.ParityHolds, $"max relative {report.MaxRelativeDifference}");
        Assert.True(report.GradientsFlow);
    }

    [Fact]
    public void A_chain_whose_intermediate_value_is_read_elsewhere_is_left_as_written()
    {
        using var graph = OnnxGraph.Import(OnnxModel.Parse(Mlp(erfAlsoAnOutput: true).ToBytes()));
        Assert.Equal(7, graph.ExecutedNodeCount);
        using var scope = torch.NewDisposeScope();
        var input = torch.randn([2, 6, 8], generator: new Generator(12));
        var outputs = graph.Run(input);
        var (expected, _) = ByHand(input);
        Assert.True((outputs[0] - expected).abs().max().item<float>() <= 1e-4f * expected.abs().max().item<float>());
        Assert.Equal(new long[] { 2, 6, 16 }, outputs[1].shape);
    }
}
