using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Ops;

internal static class Reductions
{
    [OnnxOp("ReduceMean")] public static Tensor[] ReduceMean(NodeContext c) => Reduce(c, 18, (x, a, k) => x.mean(a, k));
    [OnnxOp("ReduceSum")] public static Tensor[] ReduceSum(NodeContext c) => Reduce(c, 13, (x, a, k) => x.sum(a, k));
    [OnnxOp("ReduceMax")] public static Tensor[] ReduceMax(NodeContext c) => Reduce(c, 18, (x, a, k) => x.amax(a, k));
    [OnnxOp("ReduceMin")] public static Tensor[] ReduceMin(NodeContext c) => Reduce(c, 18, (x, a, k) => x.amin(a, k));
    [OnnxOp("ReduceProd")] public static Tensor[] ReduceProd(NodeContext c) => Reduce(c, 18, Prod);
    [OnnxOp("ReduceSumSquare")] public static Tensor[] ReduceSumSquare(NodeContext c) => Reduce(c, 18, (x, a, k) => (x * x).sum(a, k));
    [OnnxOp("ReduceL1")] public static Tensor[] ReduceL1(NodeContext c) => Reduce(c, 18, (x, a, k) => x.abs().sum(a, k));
    [OnnxOp("ReduceL2")] public static Tensor[] ReduceL2(NodeContext c) => Reduce(c, 18, (x, a, k) => (x * x).sum(a, k).sqrt());
    [OnnxOp("ReduceLogSumExp")] public static Tensor[] ReduceLogSumExp(NodeContext c) => Reduce(c, 18, LogSumExp);
    [OnnxOp("ReduceLogSum")] public static Tensor[] ReduceLogSum(NodeContext c) => Reduce(c, 18, (x, a, k) => x.sum(a, k).log());

    [OnnxOp("ArgMax")] public static Tensor[] ArgMax(NodeContext c) => Arg(c, (x, a, k) => x.argmax(a, k));
    [OnnxOp("ArgMin")] public static Tensor[] ArgMin(NodeContext c) => Arg(c, (x, a, k) => x.argmin(a, k));

    private static Tensor LogSumExp(Tensor x, long[] axes, bool keep)
    {
        // Shifted by the maximum so large logits do not overflow exp.
        var max = x.amax(axes, keepdim: true).detach();
        var result = (x - max).exp().sum(axes, keepdim: true).log().Plus(max);
        if (keep) return result;
        foreach (var a in axes.OrderByDescending(a => a)) result = result.squeeze(a);
        return result;
    }

    private static Tensor Prod(Tensor x, long[] axes, bool keep)
    {
        foreach (var a in axes.OrderByDescending(a => a)) x = x.prod(a, keep);
        return x;
    }

    /// <summary>
    /// The axes moved from an attribute to an optional input at opset 13 for ReduceSum and opset 18 for the rest.
    /// No axes means all axes, unless noop_with_empty_axes says to pass the input through.
    /// </summary>
    private static Tensor[] Reduce(NodeContext c, long axesBecameInputAt, Func<Tensor, long[], bool, Tensor> reduce)
    {
        var x = c.Input(0);
        bool keep = c.Int("keepdims", 1) != 0;
        var axes = c.Opset >= axesBecameInputAt ? c.OptionalLongs(1) : c.Ints("axes");
        if (axes is null || axes.Length == 0)
        {
            if (c.Int("noop_with_empty_axes", 0) != 0) return [x.alias()];
            axes = Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray();
        }
        var normalized = axes.Select(a => c.Axis(a, x.dim())).Distinct().ToArray();
        return [reduce(x, normalized, keep)];
    }

    private static Tensor[] Arg(NodeContext c, Func<Tensor, long, bool, Tensor> arg)
    {
        var x = c.Input(0);
        long axis = c.Axis(c.Int("axis", 0), x.dim());
        bool keep = c.Int("keepdims", 1) != 0;
        if (c.Int("select_last_index", 0) != 0)
        {
            var flipped = x.flip(axis);
            return [arg(flipped, axis, keep).SubtractedFrom(x.shape[axis] - 1)];
        }
        return [arg(x, axis, keep)];
    }
}
