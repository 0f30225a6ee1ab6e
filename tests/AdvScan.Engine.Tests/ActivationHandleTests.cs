using AdvScan.Onnx;
using TorchSharp;

namespace AdvScan.Engine.Tests;

/// <summary>
/// A forward pass leaves nothing in the caller's dispose scope but the outputs it returns. A handle left behind keeps
/// its activation (and the autograd graph it hangs from) alive until the caller's scope ends: same-device aliases made
/// for every node input held all of a ViT-B/16's activations (350 MiB at batch 1) through the backward pass.
/// </summary>
public class ActivationHandleTests
{
    /// <summary>Shape subgraph, a LayerNormalization whose mean and inverse deviation nobody reads, weights, activations.</summary>
    private static OnnxGraphBuilder TransformerStyle()
    {
        var r = new Random(3);
        var b = new OnnxGraphBuilder("transformer-style", 17);
        var x = b.Input("input", OnnxDataType.Float, "batch", 5, 8);
        var scale = b.Initializer("ln.weight", [8], TestModels.RandomFloats(r, 8));
        var bias = b.Initializer("ln.bias", [8], TestModels.RandomFloats(r, 8));
        var h = b.Node("LayerNormalization", [x, scale, bias], new Dictionary<string, object> { ["axis"] = -1L });
        var w = b.Initializer("fc.weight", [8, 16], TestModels.RandomFloats(r, 128));
        h = b.Node("MatMul", [h, w]);
        h = b.Node("Relu", [h]);
        var shape = b.Node("Shape", [h]);
        var batch = b.Node("Gather", [shape, b.Initializer("zero", [], [0L])], new Dictionary<string, object> { ["axis"] = 0L });
        var target = b.Node("Concat", [b.Node("Unsqueeze", [batch, b.Longs(0)]), b.Longs(-1)], new Dictionary<string, object> { ["axis"] = 0L });
        h = b.Node("Reshape", [h, target]);
        b.Output(h, OnnxDataType.Float, "batch", 80);
        return b;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)] // the second run reads the shape cache
    public void A_forward_pass_leaves_only_its_output_in_the_callers_scope(int runs)
    {
        using var graph = OnnxGraph.Import(OnnxModel.Parse(TransformerStyle().ToBytes()));
        for (int run = 0; run < runs; run++)
        {
            using var scope = torch.NewDisposeScope();
            var x = torch.rand([3, 5, 8]).requires_grad_(true);
            int before = scope.DisposablesView.OfType<torch.Tensor>().Count(t => !t.IsInvalid);
            var y = graph.forward(x);
            var live = scope.DisposablesView.OfType<torch.Tensor>().Where(t => !t.IsInvalid).ToList();
            Assert.Equal(before + 1, live.Count);
            Assert.Contains(live, t => ReferenceEquals(t, y));
            // The gradient still flows through every node whose handle was freed.
            var gradient = torch.autograd.grad([y.sum()], [x])[0];
            Assert.True(gradient.abs().sum().item<float>() > 0);
        }
    }
}
