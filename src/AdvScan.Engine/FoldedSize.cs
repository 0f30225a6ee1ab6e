using AdvScan.Engine.Ops;

namespace AdvScan.Engine;

/// <summary>
/// How many elements a node folded at import would produce, computed from its inputs' shapes and constant values before
/// its kernel runs, so a tiny model cannot make the importer allocate gigabytes (a ConstantOfShape of [100000, 100000],
/// an Expand, Tile, Range, Pad or Resize whose size comes from values, a broadcast of [N,1] against [1,N]). Ops whose
/// outputs cannot be larger than their inputs have no estimate; every folded output is also checked after the kernel.
/// Counts are doubles, so a product of hostile dimensions saturates rather than wraps.
/// </summary>
internal static class FoldedSize
{
    private static readonly HashSet<string> Broadcasting =
    [
        "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean", "Equal", "Less", "LessOrEqual", "Greater",
        "GreaterOrEqual", "And", "Or", "Xor", "Where", "PRelu", "BitShift",
    ];

    /// <summary>Refuses <paramref name="c"/>'s node when its output would exceed <see cref="ResourceLimits.MaxTensorElements"/>.</summary>
    public static void CheckBefore(NodeContext c)
    {
        if (Estimate(c) is { } elements) Check(c, elements);
    }

    /// <summary>Refuses a folded output above the limit, for ops the estimate does not cover.</summary>
    public static void CheckAfter(NodeContext c, long elements) => Check(c, elements);

    private static void Check(NodeContext c, double elements)
    {
        long count = elements >= long.MaxValue ? long.MaxValue : (long)Math.Max(0, elements);
        ResourceLimits.Check(count, ResourceLimits.Current.MaxTensorElements, "maxTensorElements",
            $"node '{UntrustedText.Escape(c.Name)}' ({UntrustedText.Escape(c.Node.OpType)}) folds at import to a constant whose element count", c.File);
    }

    /// <summary>An upper bound on the elements of the node's largest output, or null when no output can outgrow the inputs.</summary>
    public static double? Estimate(NodeContext c)
    {
        var op = c.Node.OpType;
        if (Broadcasting.Contains(op)) return Product(Broadcast(Enumerable.Range(0, c.InputCount).Where(c.Has).Select(i => Shape(c, i))));
        return op switch
        {
            "ConstantOfShape" => Product(c.Longs(0)),
            "Expand" => Product(Broadcast([Shape(c, 0), c.Longs(1)])),
            "Tile" => Elements(c, 0) * Product(c.Longs(1)),
            "Range" => RangeCount(c),
            "Pad" => Padded(c),
            "Resize" or "Upsample" => Resized(c),
            "OneHot" => Elements(c, 0) * Math.Max(c.Doubles(1)[0], 0),
            "MatMul" => MatMul(Shape(c, 0), Shape(c, 1)),
            "Gemm" => Dim(Shape(c, 0), c.Int("transA", 0) != 0 ? 1 : 0) * Dim(Shape(c, 1), c.Int("transB", 0) != 0 ? 0 : 1),
            "Concat" => Enumerable.Range(0, c.InputCount).Where(c.Has).Sum(i => Elements(c, i)),
            "Gather" => Gathered(c),
            _ => null,
        };
    }

    private static long[] Shape(NodeContext c, int index) => c.Input(index).shape;

    private static double Elements(NodeContext c, int index) => Product(Shape(c, index));

    private static double Product(IEnumerable<long> dims) => dims.Aggregate(1.0, (a, d) => a * Math.Max(d, 0));

    private static double Dim(long[] shape, int index) => index < shape.Length ? shape[index] : 1;

    /// <summary>Numpy broadcasting of the shapes, each dimension the largest given (a mismatch fails in the kernel).</summary>
    private static long[] Broadcast(IEnumerable<long[]> shapes)
    {
        var all = shapes.ToList();
        int rank = all.Count == 0 ? 0 : all.Max(s => s.Length);
        var result = new long[rank];
        foreach (var s in all)
            for (int i = 0; i < s.Length; i++)
                result[rank - s.Length + i] = Math.Max(result[rank - s.Length + i], s[i]);
        return result;
    }

    private static double MatMul(long[] a, long[] b)
    {
        if (a.Length == 0 || b.Length == 0) return 1;
        double rows = a.Length >= 2 ? a[^2] : 1, columns = b.Length >= 2 ? b[^1] : 1;
        var batchA = a.Length > 2 ? a[..^2] : [];
        var batchB = b.Length > 2 ? b[..^2] : [];
        return Product(Broadcast([batchA, batchB])) * rows * columns;
    }

    private static double RangeCount(NodeContext c)
    {
        double start = c.Doubles(0)[0], limit = c.Doubles(1)[0], delta = c.Doubles(2)[0];
        if (delta == 0 || !double.IsFinite(start) || !double.IsFinite(limit) || !double.IsFinite(delta)) return double.PositiveInfinity;
        return Math.Max(0, Math.Ceiling((limit - start) / delta));
    }

    private static double Padded(NodeContext c)
    {
        var shape = Shape(c, 0);
        var pads = c.Opset < 11 ? c.Ints(c.Opset < 2 ? "paddings" : "pads") : c.Longs(1);
        if (pads is null) return Product(shape);
        var axes = c.Opset >= 18 && c.Has(3) ? c.Longs(3) : Enumerable.Range(0, shape.Length).Select(i => (long)i).ToArray();
        var dims = shape.Select(d => (double)d).ToArray();
        for (int j = 0; j < axes.Length && j + axes.Length < pads.Length; j++)
        {
            long axis = axes[j] < 0 ? axes[j] + shape.Length : axes[j];
            if (axis >= 0 && axis < dims.Length) dims[axis] += (double)pads[j] + pads[j + axes.Length];
        }
        return dims.Aggregate(1.0, (a, d) => a * Math.Max(d, 0));
    }

    /// <summary>Resize and Upsample: each axis scaled by its scale, or set to its size (or scaled by the largest ratio when the aspect ratio is kept).</summary>
    private static double Resized(NodeContext c)
    {
        var shape = Shape(c, 0);
        double[]? scales = null;
        long[]? sizes = null;
        if (c.Node.OpType == "Upsample") scales = c.Opset < 9 ? c.Floats("scales")?.Select(f => (double)f).ToArray() : c.Doubles(1);
        else if (c.Opset < 11) scales = c.Doubles(1);
        else if (c.Has(2) && c.Input(2).numel() > 0) scales = c.Doubles(2);
        else if (c.Has(3)) sizes = c.Longs(3);
        var axes = c.Ints("axes") ?? Enumerable.Range(0, shape.Length).Select(i => (long)i).ToArray();
        var dims = shape.Select(d => (double)d).ToArray();
        var given = scales ?? sizes?.Select(s => (double)s).ToArray() ?? [];
        double largestRatio = 1;
        for (int j = 0; j < axes.Length && j < given.Length; j++)
        {
            long axis = axes[j] < 0 ? axes[j] + shape.Length : axes[j];
            if (axis < 0 || axis >= dims.Length) continue;
            double ratio = scales is not null ? given[j] : given[j] / Math.Max(dims[axis], 1);
            largestRatio = Math.Max(largestRatio, ratio);
            if (scales is not null) dims[axis] = Math.Floor(dims[axis] * given[j]);
            else dims[axis] = given[j];
        }
        if (sizes is not null && c.String("keep_aspect_ratio_policy", "stretch") != "stretch")
            foreach (var a in axes) { long axis = a < 0 ? a + shape.Length : a; if (axis >= 0 && axis < dims.Length) dims[axis] = Math.Ceiling(shape[axis] * largestRatio); }
        return dims.Aggregate(1.0, (a, d) => a * Math.Max(d, 0));
    }

    private static double Gathered(NodeContext c)
    {
        var data = Shape(c, 0);
        if (data.Length == 0) return Elements(c, 1);
        long axis = c.Int("axis", 0);
        axis = axis < 0 ? axis + data.Length : axis;
        double along = axis >= 0 && axis < data.Length ? Math.Max(data[axis], 1) : 1;
        return Product(data) / along * Elements(c, 1);
    }
}
