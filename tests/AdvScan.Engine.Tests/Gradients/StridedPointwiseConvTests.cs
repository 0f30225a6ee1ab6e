using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Tests.Gradients;

/// <summary>
/// ResNet-style downsample shortcuts (1x1 conv, stride 2, 512->1024 channels) are where libtorch's own CPU backward
/// crashes the process; the engine's input gradient there must exist and be exact.
/// </summary>
public class StridedPointwiseConvTests
{
    [Fact]
    public void Strided_1x1_conv_input_gradient_is_the_weight_sum_on_sampled_pixels_and_zero_elsewhere()
    {
        const int cin = 512, cout = 1024;
        var weights = TestModels.RandomFloats(new Random(9), cin * cout, 0.1);
        var b = new OnnxGraphBuilder("downsample");
        var x = b.Input("x", OnnxDataType.Float, 1, cin, 9, 9);
        var y = b.Node("Conv", [x, b.Initializer("w", [cout, cin, 1, 1], weights)],
            new Dictionary<string, object> { ["kernel_shape"] = new long[] { 1, 1 }, ["strides"] = new long[] { 2, 2 } });
        b.Output(y, OnnxDataType.Float, 1, cout, 5, 5);
        using var graph = OnnxGraph.Load(TestModels.WriteTemp(b, "downsample.onnx"));

        using var scope = torch.NewDisposeScope();
        var input = torch.rand(1, cin, 9, 9).requires_grad_(true);
        var output = graph.forward(input);
        Assert.Equal(new long[] { 1, cout, 5, 5 }, output.shape);
        output.sum().backward();
        var grad = input.grad!.data<float>().ToArray();

        for (int c = 0; c < cin; c += 37)
        {
            double expected = 0;
            for (int o = 0; o < cout; o++) expected += weights[o * cin + c];
            for (int i = 0; i < 9; i++)
                for (int j = 0; j < 9; j++)
                {
                    var actual = grad[(c * 9 + i) * 9 + j];
                    if (i % 2 == 0 && j % 2 == 0) Assert.True(Math.Abs(actual - expected) < 1e-3, $"channel {c} pixel ({i},{j}): {actual} vs {expected}");
                    else Assert.Equal(0f, actual);
                }
        }
    }
}
