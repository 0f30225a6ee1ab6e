using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Tests.Gradients;

/// <summary>
/// The engine's input gradients (what every white-box attack follows) agree with central finite differences. The
/// models are float64 ONNX files imported through the ordinary load path, so the finite differences are accurate to
/// ~1e-9 and a wrong backward (a bad padding, a transposed weight, a missed branch) shows as a large error.
/// </summary>
public class InputGradientTests
{
    private static Dictionary<string, object> Attrs(params (string Key, object Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    private static double[] RandomDoubles(Random r, int count, double scale) => FiniteDifferences.RandomDoubles(r, count, scale);

    /// <summary>Conv(pads)-Relu-MaxPool-Conv(stride 2)-Relu-AveragePool, Flatten, Gemm(transB)-Tanh-Gemm, Softmax.</summary>
    private static OnnxGraphBuilder ConvPoolGemmSoftmax()
    {
        var r = new Random(11);
        var b = new OnnxGraphBuilder("conv-pool-gemm-softmax");
        var x = b.Input("x", OnnxDataType.Double, "batch", 2, 10, 10);
        var h = b.Node("Conv", [x, b.Initializer("c1.w", [4, 2, 3, 3], RandomDoubles(r, 72, 0.4)), b.Initializer("c1.b", [4], RandomDoubles(r, 4, 0.1))],
            Attrs(("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 })));
        h = b.Node("Relu", [h]);
        h = b.Node("MaxPool", [h], Attrs(("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })));
        h = b.Node("Conv", [h, b.Initializer("c2.w", [6, 4, 3, 3], RandomDoubles(r, 216, 0.3)), b.Initializer("c2.b", [6], RandomDoubles(r, 6, 0.1))],
            Attrs(("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }), ("strides", new long[] { 2, 2 })));
        h = b.Node("Relu", [h]);
        h = b.Node("AveragePool", [h], Attrs(("kernel_shape", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }), ("count_include_pad", 0L)));
        h = b.Node("Flatten", [h], Attrs(("axis", 1L)));
        h = b.Node("Gemm", [h, b.Initializer("fc1.w", [8, 6 * 4 * 4], RandomDoubles(r, 8 * 96, 0.2)), b.Initializer("fc1.b", [8], RandomDoubles(r, 8, 0.1))],
            Attrs(("transB", 1L)));
        h = b.Node("Tanh", [h]);
        h = b.Node("Gemm", [h, b.Initializer("fc2.w", [8, 5], RandomDoubles(r, 40, 0.5)), b.Initializer("fc2.b", [5], RandomDoubles(r, 5, 0.1))]);
        var y = b.Node("Softmax", [h], Attrs(("axis", -1L)));
        b.Output(y, OnnxDataType.Double, "batch", 5);
        return b;
    }

    /// <summary>A stem conv, then a residual block (Conv-BN-Relu-Conv-BN + identity, Relu) beside a Sigmoid branch, joined by Concat.</summary>
    private static OnnxGraphBuilder ResidualConcat()
    {
        var r = new Random(12);
        var b = new OnnxGraphBuilder("residual-concat");
        var x = b.Input("x", OnnxDataType.Double, "batch", 3, 6, 6);
        var conv = (string input, string name, int cin, int cout) => b.Node("Conv",
            [input, b.Initializer(name + ".w", [cout, cin, 3, 3], RandomDoubles(r, cout * cin * 9, 0.3))],
            Attrs(("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 })));
        var bn = (string input, string name, int c) => b.Node("BatchNormalization",
            [input,
             b.Initializer(name + ".scale", [c], RandomDoubles(r, c, 0.5).Select(v => 1 + v).ToArray()),
             b.Initializer(name + ".bias", [c], RandomDoubles(r, c, 0.2)),
             b.Initializer(name + ".mean", [c], RandomDoubles(r, c, 0.2)),
             b.Initializer(name + ".var", [c], RandomDoubles(r, c, 0.3).Select(v => 1 + v).ToArray())],
            Attrs(("epsilon", 1e-5f)));
        var stem = b.Node("Relu", [conv(x, "stem", 3, 4)]);
        var h = b.Node("Relu", [bn(conv(stem, "res1", 4, 4), "bn1", 4)]);
        h = bn(conv(h, "res2", 4, 4), "bn2", 4);
        var residual = b.Node("Relu", [b.Node("Add", [h, stem])]);
        var side = b.Node("Sigmoid", [conv(stem, "side", 4, 2)]);
        var joined = b.Node("Concat", [residual, side], Attrs(("axis", 1L)));
        var pooled = b.Node("GlobalAveragePool", [joined]);
        var flat = b.Node("Flatten", [pooled]);
        var y = b.Node("Gemm", [flat, b.Initializer("fc.w", [3, 6], RandomDoubles(r, 18, 0.5))], Attrs(("transB", 1L)));
        b.Output(y, OnnxDataType.Double, "batch", 3);
        return b;
    }

    [Fact]
    public void Conv_pool_gemm_softmax_input_gradient_matches_central_differences()
    {
        var (maxError, scale) = CompareWithFiniteDifferences(ConvPoolGemmSoftmax(), [2, 2, 10, 10]);
        Assert.True(maxError <= 1e-6 * scale, $"max |autograd - finite difference| = {maxError:G3}, gradient scale {scale:G3}");
    }

    [Fact]
    public void Residual_concat_input_gradient_matches_central_differences()
    {
        var (maxError, scale) = CompareWithFiniteDifferences(ResidualConcat(), [2, 3, 6, 6]);
        Assert.True(maxError <= 1e-6 * scale, $"max |autograd - finite difference| = {maxError:G3}, gradient scale {scale:G3}");
    }

    [Fact]
    public void Float64_model_imports_and_runs_in_float64()
    {
        using var graph = OnnxGraph.Load(TestModels.WriteTemp(ResidualConcat(), "residual.onnx"));
        using var scope = torch.NewDisposeScope();
        var y = graph.forward(torch.ones([1, 3, 6, 6], ScalarType.Float64));
        Assert.Equal(ScalarType.Float64, y.dtype);
    }

    private static (double MaxError, double Scale) CompareWithFiniteDifferences(OnnxGraphBuilder builder, long[] shape) =>
        FiniteDifferences.Compare(builder, shape);
}
