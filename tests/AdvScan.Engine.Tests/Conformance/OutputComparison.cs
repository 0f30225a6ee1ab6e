using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Tests.Conformance;

/// <summary>Element-wise comparison with a relative tolerance and an absolute floor, so values near zero do not fail on noise.</summary>
internal static class OutputComparison
{
    public const double Relative = 1e-4;
    public const double AbsoluteFloor = 1e-5;

    public static double[] Values(OnnxTensor t) => t.Data switch
    {
        float[] f => f.Select(v => (double)v).ToArray(),
        double[] d => d,
        long[] l => l.Select(v => (double)v).ToArray(),
        bool[] b => b.Select(v => v ? 1.0 : 0.0).ToArray(),
        _ => throw new InvalidOperationException($"unexpected data {t.Data.GetType().Name}"),
    };

    public static double[] Values(Tensor t)
    {
        using var host = t.detach().cpu().to_type(ScalarType.Float64).contiguous();
        return host.data<double>().ToArray();
    }

    /// <summary>Asserts shape equality and closeness; the message names the first offending element.</summary>
    public static void AssertClose(string what, long[] expectedShape, double[] expected, long[] actualShape, double[] actual)
    {
        Assert.True(expectedShape.SequenceEqual(actualShape),
            $"{what}: shape [{string.Join(",", actualShape)}], expected [{string.Join(",", expectedShape)}]");
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (double.IsInfinity(e) && e == a) continue;
            double tolerance = Math.Max(AbsoluteFloor, Relative * Math.Abs(e));
            Assert.True(Math.Abs(a - e) <= tolerance, $"{what}: element {i} is {a}, expected {e} (tolerance {tolerance:g3})");
        }
    }

    public static void AssertClose(string what, OnnxTensor expected, OnnxTensor actual) =>
        AssertClose(what, expected.Dims, Values(expected), actual.Dims, Values(actual));

    public static void AssertClose(string what, OnnxTensor expected, Tensor actual) =>
        AssertClose(what, expected.Dims, Values(expected), actual.shape, Values(actual));
}
