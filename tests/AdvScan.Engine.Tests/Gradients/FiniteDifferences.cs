using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Tests.Gradients;

/// <summary>
/// Compares the engine's input gradient of a float64 model (imported through the ordinary load path) with central
/// finite differences, which are accurate to ~1e-9 in float64, so a wrong backward shows as a large error.
/// </summary>
internal static class FiniteDifferences
{
    public static double[] RandomDoubles(Random r, int count, double scale) =>
        Enumerable.Range(0, count).Select(_ => (r.NextDouble() * 2 - 1) * scale).ToArray();

    /// <summary>
    /// Loss = sum(output * fixed random weights). Returns the largest |autograd - central difference| over every
    /// input element, and the largest |gradient| for scale.
    /// </summary>
    public static (double MaxError, double Scale) Compare(OnnxGraphBuilder builder, long[] shape, int seed = 5)
    {
        using var graph = OnnxGraph.Load(TestModels.WriteTemp(builder, "model.onnx"));
        using var scope = torch.NewDisposeScope();
        var r = new Random(seed);
        int count = (int)shape.Aggregate(1L, (a, b) => a * b);
        var x0 = RandomDoubles(r, count, 1.0);

        var probe = graph.forward(torch.tensor(x0, shape, ScalarType.Float64));
        var weights = torch.tensor(RandomDoubles(r, (int)probe.numel(), 1.0), probe.shape, ScalarType.Float64);
        double Loss(double[] values)
        {
            using var inner = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            return graph.forward(torch.tensor(values, shape, ScalarType.Float64)).mul(weights).sum().item<double>();
        }

        var x = torch.tensor(x0, shape, ScalarType.Float64).requires_grad_(true);
        graph.forward(x).mul(weights).sum().backward();
        var analytic = x.grad!.data<double>().ToArray();

        const double h = 1e-5;
        double maxError = 0;
        var shifted = (double[])x0.Clone();
        for (int i = 0; i < count; i++)
        {
            shifted[i] = x0[i] + h;
            double up = Loss(shifted);
            shifted[i] = x0[i] - h;
            double down = Loss(shifted);
            shifted[i] = x0[i];
            maxError = Math.Max(maxError, Math.Abs((up - down) / (2 * h) - analytic[i]));
        }
        return (maxError, analytic.Max(Math.Abs));
    }

    /// <summary>Asserts the input gradient agrees with central differences to 1e-6 of its scale, and is not all zero.</summary>
    public static void AssertMatches(OnnxGraphBuilder builder, long[] shape)
    {
        var (maxError, scale) = Compare(builder, shape);
        Assert.True(scale > 0, "the input gradient is zero everywhere");
        Assert.True(maxError <= 1e-6 * scale, $"max |autograd - finite difference| = {maxError:G3}, gradient scale {scale:G3}");
    }
}
