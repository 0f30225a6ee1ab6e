using AdvScan.Onnx;

namespace AdvScan.Engine.Tests.Gradients;

/// <summary>
/// Input gradients through ScatterND (every reduction, with a repeated row) and GatherND agree with central finite
/// differences. The updates are computed from the input too, so both paths of the scatter carry gradient.
/// </summary>
public class ScatterGatherNDGradientTests
{
    private static Dictionary<string, object> Attrs(params (string Key, object Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Theory]
    [InlineData("none")]
    [InlineData("add")]
    [InlineData("mul")]
    [InlineData("max")]
    [InlineData("min")]
    public void ScatterND_input_gradient_matches_central_differences(string reduction)
    {
        var r = new Random(21);
        var b = new OnnxGraphBuilder("scatternd-" + reduction, 18);
        var x = b.Input("x", OnnxDataType.Double, 4, 3, 5);
        // Updates: rows 0, 2 and 3 of x scaled, scattered into rows 1, 3 and (for reductions) 1 again.
        var picked = b.Node("Gather", [x, b.Initializer("rows", [3], new long[] { 0, 2, 3 })], Attrs(("axis", 0L)));
        var updates = b.Node("Mul", [picked, b.Initializer("w", [3, 3, 5], FiniteDifferences.RandomDoubles(r, 45, 1.5))]);
        long[] targets = reduction == "none" ? [1, 3, 0] : [1, 3, 1];
        var y = b.Node("ScatterND", [x, b.Initializer("indices", [3, 1], targets), updates], Attrs(("reduction", reduction)));
        b.Output(b.Node("Tanh", [y]), OnnxDataType.Double, 4, 3, 5);
        FiniteDifferences.AssertMatches(b, [4, 3, 5]);
    }

    [Fact]
    public void GatherND_with_batch_dims_input_gradient_matches_central_differences()
    {
        var b = new OnnxGraphBuilder("gathernd", 13);
        var x = b.Input("x", OnnxDataType.Double, 2, 4, 3);
        var y = b.Node("GatherND", [x, b.Initializer("indices", [2, 3, 1], new long[] { 0, 3, 3, 1, 2, 0 })], Attrs(("batch_dims", 1L)));
        b.Output(y, OnnxDataType.Double, 2, 3, 3);
        FiniteDifferences.AssertMatches(b, [2, 4, 3]);
    }
}
