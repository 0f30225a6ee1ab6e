using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Ops;

/// <summary>Operators that cut, repeat or pick parts of tensors.</summary>
internal static class Slicing
{
    /// <summary>
    /// Split: sizes from the 'split' attribute (before opset 13) or input (opset 13+); otherwise equal parts, one per
    /// output, or (opset 18 'num_outputs') parts of ceil(dim / n) with a smaller last one.
    /// </summary>
    [OnnxOp("Split")]
    public static Tensor[] Split(NodeContext c)
    {
        var x = c.Input(0);
        long axis = c.Axis(c.Int("axis", 0), x.dim());
        long size = x.shape[axis];
        var sizes = c.Opset >= 13 || (c.Opset < 2 && c.Has(1)) ? c.OptionalLongs(1) : c.Ints("split");
        if (sizes is null || sizes.Length == 0)
        {
            long parts = c.Opset >= 18 && c.HasAttribute("num_outputs") ? c.Int("num_outputs") : c.OutputCount;
            if (parts <= 0) throw c.Fail($"splits into {parts} parts");
            if (c.Opset < 18 && size % parts != 0) throw c.Fail($"splits an axis of size {size} into {parts} equal parts");
            long chunk = (size + parts - 1) / parts;
            sizes = Enumerable.Range(0, (int)parts).Select(i => Math.Max(0, Math.Min(chunk, size - i * chunk))).ToArray();
        }
        if (sizes.Sum() != size || sizes.Any(s => s < 0))
            throw c.Fail($"splits an axis of size {size} into [{string.Join(", ", sizes)}]");
        var result = new Tensor[sizes.Length];
        long start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            result[i] = x.narrow(axis, start, sizes[i]);
            start += sizes[i];
        }
        return result;
    }

    /// <summary>
    /// Slice: starts/ends/axes attributes before opset 10, inputs (with steps) from 10. Bounds clamp as ONNX says;
    /// negative steps walk backwards and are gathered with index_select (torch slices only step forwards).
    /// </summary>
    [OnnxOp("Slice")]
    public static Tensor[] Slice(NodeContext c)
    {
        var x = c.Input(0);
        long rank = x.dim();
        long[] starts, ends;
        long[]? axes, steps = null;
        if (c.Opset < 10)
        {
            starts = c.Ints("starts") ?? throw c.Fail("needs attribute 'starts'");
            ends = c.Ints("ends") ?? throw c.Fail("needs attribute 'ends'");
            axes = c.Ints("axes");
        }
        else
        {
            starts = c.Longs(1);
            ends = c.Longs(2);
            axes = c.OptionalLongs(3);
            steps = c.OptionalLongs(4);
        }
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw c.Fail($"has {starts.Length} starts, {ends.Length} ends, {axes.Length} axes and {steps.Length} steps");

        for (int i = 0; i < starts.Length; i++)
        {
            long axis = c.Axis(axes[i], rank);
            long dim = x.shape[axis], step = steps[i];
            if (step == 0) throw c.Fail("has a slice step of 0");
            long start = starts[i] < 0 ? starts[i] + dim : starts[i];
            long end = ends[i] < 0 && ends[i] > long.MinValue / 2 ? ends[i] + dim : ends[i];
            if (step > 0)
            {
                start = Math.Clamp(start, 0, dim);
                end = Math.Clamp(end, 0, dim);
                if (end <= start) end = start;
                if (start == 0 && end == dim && step == 1) continue;
                x = x.slice(axis, start, end, step);
            }
            else
            {
                start = Math.Clamp(start, 0, dim - 1);
                end = Math.Clamp(end, -1, dim - 1);
                var index = new List<long>();
                for (long j = start; j > end; j += step) index.Add(j);
                x = x.index_select(axis, torch.tensor(index.ToArray(), device: x.device));
            }
        }
        return [x];
    }

    /// <summary>Expand broadcasts both ways: the target shape may be shorter than, or have ones where, the input does not.</summary>
    [OnnxOp("Expand")]
    public static Tensor[] Expand(NodeContext c)
    {
        var x = c.Input(0);
        var shape = c.Longs(1);
        int rank = Math.Max((int)x.dim(), shape.Length);
        var a = Enumerable.Repeat(1L, rank - (int)x.dim()).Concat(x.shape).ToArray();
        var b = Enumerable.Repeat(1L, rank - shape.Length).Concat(shape).ToArray();
        var target = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            if (a[i] != b[i] && a[i] != 1 && b[i] != 1)
                throw c.Fail($"cannot broadcast [{string.Join(", ", x.shape)}] to [{string.Join(", ", shape)}]");
            target[i] = a[i] == 1 ? b[i] : a[i];
        }
        return [x.reshape(a).expand(target)];
    }

    [OnnxOp("Tile")]
    public static Tensor[] Tile(NodeContext c)
    {
        var x = c.Input(0);
        if (c.Opset < 6) throw c.Fail("uses the opset-1 Tile form (tiles and axis inputs), which AdvScan does not support");
        var repeats = c.Longs(1);
        if (repeats.Length != x.dim()) throw c.Fail($"has {repeats.Length} repeats for a rank-{x.dim()} input");
        return [x.repeat(repeats)];
    }

    [OnnxOp("Range")]
    public static Tensor[] Range(NodeContext c)
    {
        var type = c.Input(0).dtype;
        double start = c.Doubles(0)[0], limit = c.Doubles(1)[0], delta = c.Doubles(2)[0];
        if (delta == 0) throw c.Fail("has a Range delta of 0");
        long count = Math.Max(0, (long)Math.Ceiling((limit - start) / delta));
        // start + i * delta, as the spec defines, rather than arange's accumulated floating steps.
        var steps = Scalars.Arange(count, ScalarType.Float64, c.Device);
        return [steps.Times(delta).Plus(start).to_type(type)];
    }

    /// <summary>TopK: k is an attribute before opset 10, an input after; 'largest' and 'sorted' arrive at opset 11.</summary>
    [OnnxOp("TopK")]
    public static Tensor[] TopK(NodeContext c)
    {
        var x = c.Input(0);
        long k = c.Opset < 10 ? c.Int("k") : c.Longs(1)[0];
        long axis = c.Axis(c.Int("axis", -1), x.dim());
        if (k < 0 || k > x.shape[axis]) throw c.Fail($"asks for the top {k} of an axis of size {x.shape[axis]}");
        bool largest = c.Int("largest", 1) != 0;
        // Sorted output is always produced: the spec leaves the order unspecified when sorted=0.
        var (values, indices) = x.topk((int)k, (int)axis, largest, sorted: true);
        return [values, indices.to_type(ScalarType.Int64)];
    }

    [OnnxOp("GatherElements")]
    public static Tensor[] GatherElements(NodeContext c)
    {
        var x = c.Input(0);
        long axis = c.Axis(c.Int("axis", 0), x.dim());
        return [x.gather(axis, WrapIndices(c.Input(1), x.shape[axis]))];
    }

    [OnnxOp("ScatterElements")]
    public static Tensor[] ScatterElements(NodeContext c)
    {
        var x = c.Input(0);
        long axis = c.Axis(c.Int("axis", 0), x.dim());
        var index = WrapIndices(c.Input(1), x.shape[axis]);
        var updates = c.Input(2);
        return c.String("reduction", "none") switch
        {
            "none" => [x.scatter(axis, index, updates)],
            "add" => [x.scatter_add(axis, index, updates)],
            var r => throw c.Fail($"uses ScatterElements reduction '{r}'; AdvScan supports none and add"),
        };
    }

    [OnnxOp("OneHot")]
    public static Tensor[] OneHot(NodeContext c)
    {
        var indices = c.Input(0).to_type(ScalarType.Int64);
        long depth = (long)c.Doubles(1)[0];
        var values = c.Input(2);
        long rank = indices.dim() + 1;
        long axis = c.Axis(c.Int("axis", -1), rank);
        indices = torch.where(indices.Less(0L), indices.Plus(depth), indices).unsqueeze(axis);
        var classes = Scalars.Arange(depth, ScalarType.Int64, indices.device)
            .reshape(Enumerable.Range(0, (int)rank).Select(i => i == axis ? depth : 1L).ToArray());
        // Out-of-range indices match no class and so come out all 'off', as the spec asks.
        return [torch.where(indices.eq(classes), values[1], values[0])];
    }

    [OnnxOp("CumSum")]
    public static Tensor[] CumSum(NodeContext c)
    {
        var x = c.Input(0);
        long axis = c.Axis(c.Longs(1)[0], x.dim());
        bool reverse = c.Int("reverse", 0) != 0, exclusive = c.Int("exclusive", 0) != 0;
        if (reverse) x = x.flip(axis);
        var y = x.cumsum(axis);
        if (exclusive && x.shape[axis] > 0)
        {
            // Shift by one along the axis (zeros first) rather than subtracting x, which would round floats.
            var zero = torch.zeros_like(x.narrow(axis, 0, 1));
            y = torch.cat([zero, y.narrow(axis, 0, x.shape[axis] - 1)], axis);
        }
        return [reverse ? y.flip(axis) : y];
    }

    [OnnxOp("Trilu")]
    public static Tensor[] Trilu(NodeContext c)
    {
        var x = c.Input(0);
        long k = c.Has(1) ? c.Longs(1)[0] : 0;
        return [c.Int("upper", 1) != 0 ? x.triu(k) : x.tril(k)];
    }

    [OnnxOp("DepthToSpace")]
    public static Tensor[] DepthToSpace(NodeContext c)
    {
        var x = c.Input(0);
        long b = c.Int("blocksize");
        if (x.dim() != 4) throw c.Fail($"takes a rank-{x.dim()} input; DepthToSpace needs [N, C, H, W]");
        long n = x.shape[0], ch = x.shape[1], h = x.shape[2], w = x.shape[3];
        if (ch % (b * b) != 0) throw c.Fail($"has {ch} channels, not a multiple of blocksize^2 = {b * b}");
        long depth = ch / (b * b);
        var y = c.String("mode", "DCR") == "CRD"
            ? x.reshape(n, depth, b, b, h, w).permute(0, 1, 4, 2, 5, 3)
            : x.reshape(n, b, b, depth, h, w).permute(0, 3, 4, 1, 5, 2);
        return [y.reshape(n, depth, h * b, w * b)];
    }

    [OnnxOp("SpaceToDepth")]
    public static Tensor[] SpaceToDepth(NodeContext c)
    {
        var x = c.Input(0);
        long b = c.Int("blocksize");
        if (x.dim() != 4) throw c.Fail($"takes a rank-{x.dim()} input; SpaceToDepth needs [N, C, H, W]");
        long n = x.shape[0], ch = x.shape[1], h = x.shape[2], w = x.shape[3];
        if (h % b != 0 || w % b != 0) throw c.Fail($"has spatial size {h}x{w}, not divisible by blocksize {b}");
        return [x.reshape(n, ch, h / b, b, w / b, b).permute(0, 3, 5, 1, 2, 4).reshape(n, ch * b * b, h / b, w / b)];
    }

    private static Tensor WrapIndices(Tensor indices, long size)
    {
        var i = indices.to_type(ScalarType.Int64);
        return torch.where(i.Less(0L), i.Plus(size), i);
    }
}
