using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Tests.Gradients;

/// <summary>
/// libtorch's oneDNN convolution computes input gradients in a 16-channel-blocked layout and leaves the padding channels
/// uninitialised when a layer's output channels are not a multiple of the block; freed memory full of NaN then leaks
/// into the gradient (seen as a flaky model check). The engine's convolutions must give the exact gradient whatever
/// the heap held before. ConvTranspose and grouped/depthwise convolutions, which the engine does not pad, are held to
/// the same standard: they pass on libtorch 2.10 as is, and these tests say so if a later libtorch changes that.
/// </summary>
public class UnblockedChannelConvTests
{
    /// <summary>Leaves NaN in freed blocks of the sizes a small convolution's buffers take, so stale memory is NaN.</summary>
    private static void PoisonHeap()
    {
        // Sizes from 64 floats to 64 Ki in steps of a quarter, so every buffer of these small layers finds a NaN block.
        for (double n = 64; n <= 65536; n *= 1.25)
        {
            using var poison = torch.full((long)n, float.NaN);
        }
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(3, 6)]
    [InlineData(4, 8)]
    [InlineData(8, 12)]
    public void Conv_input_gradient_stays_exact_over_a_heap_full_of_NaN(int inChannels, int outChannels)
    {
        var weights = TestModels.RandomFloats(new Random(inChannels * 31 + outChannels), outChannels * inChannels * 9, 0.3);
        var b = new OnnxGraphBuilder("unblocked-conv");
        var x = b.Input("x", OnnxDataType.Float, "batch", inChannels, 12, 12);
        var y = b.Node("Conv", [x, b.Initializer("w", [outChannels, inChannels, 3, 3], weights)],
            new Dictionary<string, object> { ["kernel_shape"] = new long[] { 3, 3 }, ["pads"] = new long[] { 1, 1, 1, 1 } });
        b.Output(y, OnnxDataType.Float, "batch", outChannels, 12, 12);
        using var graph = OnnxGraph.Load(TestModels.WriteTemp(b, "unblocked-conv.onnx"));

        using var scope = torch.NewDisposeScope();
        var pixels = torch.rand([2, inChannels, 12, 12], generator: torch.Generator.Default.manual_seed(5));
        // The exact gradient of sum(conv(x)), computed in float64, where oneDNN's float32 kernels play no part.
        var input64 = pixels.to_type(ScalarType.Float64).requires_grad_(true);
        var w64 = torch.tensor(weights, [outChannels, inChannels, 3, 3]).to_type(ScalarType.Float64);
        nn.functional.conv2d(input64, w64, padding: [1, 1]).sum().backward();
        var expected = input64.grad!.to_type(ScalarType.Float32);

        for (int attempt = 0; attempt < 20; attempt++)
        {
            using var step = torch.NewDisposeScope();
            PoisonHeap();
            var input = pixels.clone().requires_grad_(true);
            graph.forward(input).sum().backward();
            var grad = input.grad!;
            Assert.True(grad.isfinite().all().item<bool>(), $"attempt {attempt}: the input gradient has non-finite values");
            Assert.True(grad.allclose(expected, rtol: 1e-4, atol: 1e-5), $"attempt {attempt}: max difference {(grad - expected).abs().max().item<float>()}");
        }
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(3, 6)]
    [InlineData(6, 3)]
    [InlineData(8, 12)]
    [InlineData(12, 8)]
    public void Conv_transpose_input_gradient_stays_exact_over_a_heap_full_of_NaN(int inChannels, int outChannels)
    {
        var weights = TestModels.RandomFloats(new Random(inChannels * 37 + outChannels), inChannels * outChannels * 9, 0.3);
        var b = new OnnxGraphBuilder("unblocked-conv-transpose");
        var x = b.Input("x", OnnxDataType.Float, "batch", inChannels, 12, 12);
        var y = b.Node("ConvTranspose", [x, b.Initializer("w", [inChannels, outChannels, 3, 3], weights)],
            new Dictionary<string, object> { ["kernel_shape"] = new long[] { 3, 3 }, ["strides"] = new long[] { 2, 2 }, ["pads"] = new long[] { 1, 1, 1, 1 } });
        b.Output(y, OnnxDataType.Float, "batch", outChannels, 23, 23);
        using var graph = OnnxGraph.Load(TestModels.WriteTemp(b, "unblocked-conv-transpose.onnx"));

        using var scope = torch.NewDisposeScope();
        var pixels = torch.rand([2, inChannels, 12, 12], generator: torch.Generator.Default.manual_seed(6));
        var input64 = pixels.to_type(ScalarType.Float64).requires_grad_(true);
        var w64 = torch.tensor(weights, [inChannels, outChannels, 3, 3]).to_type(ScalarType.Float64);
        // A non-uniform upstream gradient, so a wrong or stale channel cannot cancel out in a plain sum.
        var upstream = torch.rand([2, outChannels, 23, 23], generator: torch.Generator.Default.manual_seed(7));
        (nn.functional.conv_transpose2d(input64, w64, null, [2, 2], [1, 1]) * upstream.to_type(ScalarType.Float64)).sum().backward();
        var expected = input64.grad!.to_type(ScalarType.Float32);

        for (int attempt = 0; attempt < 20; attempt++)
        {
            using var step = torch.NewDisposeScope();
            PoisonHeap();
            var input = pixels.clone().requires_grad_(true);
            (graph.forward(input) * upstream).sum().backward();
            var grad = input.grad!;
            Assert.True(grad.isfinite().all().item<bool>(), $"attempt {attempt}: the input gradient has non-finite values");
            Assert.True(grad.allclose(expected, rtol: 1e-4, atol: 1e-5), $"attempt {attempt}: max difference {(grad - expected).abs().max().item<float>()}");
        }
    }

    [Theory]
    [InlineData(6, 6, 6)]
    [InlineData(12, 12, 12)]
    [InlineData(6, 12, 3)]
    public void Grouped_conv_input_gradient_stays_exact_over_a_heap_full_of_NaN(int inChannels, int outChannels, int groups)
    {
        // Depthwise and grouped convolutions (MobileNet, ShuffleNet) take another oneDNN path, which the channel padding skips.
        var weights = TestModels.RandomFloats(new Random(inChannels * 41 + outChannels + groups), outChannels * (inChannels / groups) * 9, 0.3);
        var b = new OnnxGraphBuilder("unblocked-grouped-conv");
        var x = b.Input("x", OnnxDataType.Float, "batch", inChannels, 12, 12);
        var y = b.Node("Conv", [x, b.Initializer("w", [outChannels, inChannels / groups, 3, 3], weights)],
            new Dictionary<string, object> { ["kernel_shape"] = new long[] { 3, 3 }, ["pads"] = new long[] { 1, 1, 1, 1 }, ["group"] = (long)groups });
        b.Output(y, OnnxDataType.Float, "batch", outChannels, 12, 12);
        using var graph = OnnxGraph.Load(TestModels.WriteTemp(b, "unblocked-grouped-conv.onnx"));

        using var scope = torch.NewDisposeScope();
        var pixels = torch.rand([2, inChannels, 12, 12], generator: torch.Generator.Default.manual_seed(8));
        var upstream = torch.rand([2, outChannels, 12, 12], generator: torch.Generator.Default.manual_seed(9));
        var input64 = pixels.to_type(ScalarType.Float64).requires_grad_(true);
        var w64 = torch.tensor(weights, [outChannels, inChannels / groups, 3, 3]).to_type(ScalarType.Float64);
        (nn.functional.conv2d(input64, w64, null, [1, 1], [1, 1], [1, 1], groups) * upstream.to_type(ScalarType.Float64)).sum().backward();
        var expected = input64.grad!.to_type(ScalarType.Float32);

        for (int attempt = 0; attempt < 20; attempt++)
        {
            using var step = torch.NewDisposeScope();
            PoisonHeap();
            var input = pixels.clone().requires_grad_(true);
            (graph.forward(input) * upstream).sum().backward();
            var grad = input.grad!;
            Assert.True(grad.isfinite().all().item<bool>(), $"attempt {attempt}: the input gradient has non-finite values");
            Assert.True(grad.allclose(expected, rtol: 1e-4, atol: 1e-5), $"attempt {attempt}: max difference {(grad - expected).abs().max().item<float>()}");
        }
    }
}
