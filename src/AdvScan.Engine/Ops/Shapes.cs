using TorchSharp;
using AdvScan.Onnx;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Engine.Ops;

/// <summary>Operators that move, reshape or select data, and the ones exporters use to compute shapes.</summary>
internal static class Shapes
{
    [OnnxOp("Shape")]
    public static Tensor[] Shape(NodeContext c)
    {
        var dims = c.Input(0).shape;
        long rank = dims.Length;
        long start = c.Int("start", 0), end = c.Int("end", rank);
        start = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
        end = Math.Clamp(end < 0 ? end + rank : end, 0, rank);
        var slice = dims[(int)start..(int)Math.Max(start, end)];
        return [torch.tensor(slice, [slice.Length], ScalarType.Int64)];
    }

    [OnnxOp("Size")] public static Tensor[] Size(NodeContext c) => [torch.tensor(c.Input(0).numel(), ScalarType.Int64)];

    [OnnxOp("Constant")]
    public static Tensor[] Constant(NodeContext c)
    {
        if (c.TensorAttribute("value") is { } proto)
            return [TensorConversion.ToTorch(TensorDecoder.Decode(proto, c.File, null), c.Device)];
        if (c.HasAttribute("value_float")) return [torch.tensor(c.Float("value_float", 0), device: c.Device)];
        if (c.Floats("value_floats") is { } fs) return [torch.tensor(fs, device: c.Device)];
        if (c.HasAttribute("value_int")) return [torch.tensor(c.Int("value_int"), device: c.Device)];
        if (c.Ints("value_ints") is { } ls) return [torch.tensor(ls, device: c.Device)];
        throw c.Fail("has no value attribute AdvScan can read (value, value_float(s), value_int(s))");
    }

    [OnnxOp("ConstantOfShape")]
    public static Tensor[] ConstantOfShape(NodeContext c)
    {
        var shape = c.Longs(0);
        if (c.TensorAttribute("value") is { } proto)
        {
            var value = TensorConversion.ToTorch(TensorDecoder.Decode(proto, c.File, null), c.Device);
            return [value.reshape(Array.Empty<long>()).expand(shape).contiguous()];
        }
        return [torch.zeros(shape, ScalarType.Float32, c.Device)];
    }

    [OnnxOp("Cast")]
    public static Tensor[] Cast(NodeContext c) =>
        [c.Input(0).to_type(TensorConversion.FromOnnxCode(c.Int("to"), p => c.Fail(p)))];

    [OnnxOp("CastLike")] public static Tensor[] CastLike(NodeContext c) => [c.Input(0).to_type(c.Input(1).dtype)];

    [OnnxOp("Reshape")]
    public static Tensor[] Reshape(NodeContext c)
    {
        var x = c.Input(0);
        var shape = c.Opset < 5 ? c.Ints("shape") ?? throw c.Fail("needs attribute 'shape'") : c.Longs(1);
        bool allowZero = c.Int("allowzero", 0) != 0;
        var target = (long[])shape.Clone();
        for (int i = 0; i < target.Length; i++)
            if (target[i] == 0 && !allowZero)
            {
                if (i >= x.dim()) throw c.Fail($"copies dimension {i} of a rank-{x.dim()} input");
                target[i] = x.shape[i];
            }
        return [x.reshape(target)];
    }

    [OnnxOp("Flatten")]
    public static Tensor[] Flatten(NodeContext c)
    {
        var x = c.Input(0);
        long axis = c.Int("axis", 1);
        if (axis < 0) axis += x.dim();
        long outer = x.shape[..(int)axis].Aggregate(1L, (a, b) => a * b);
        return [x.reshape(outer, -1)];
    }

    [OnnxOp("Transpose")]
    public static Tensor[] Transpose(NodeContext c)
    {
        var x = c.Input(0);
        var perm = c.Ints("perm") ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray();
        return [x.permute(perm)];
    }

    [OnnxOp("Concat")]
    public static Tensor[] Concat(NodeContext c)
    {
        var parts = Enumerable.Range(0, c.InputCount).Select(c.Input).ToArray();
        long axis = c.Axis(c.Int("axis"), parts[0].dim());
        // Empty shape tensors (e.g. Concat of a [0] slice) must not force a dtype change.
        var dtype = parts[0].dtype;
        return [torch.cat(parts.Select(p => p.dtype == dtype ? p : p.to_type(dtype)).ToArray(), axis)];
    }

    [OnnxOp("Unsqueeze")]
    public static Tensor[] Unsqueeze(NodeContext c)
    {
        var x = c.Input(0);
        var axes = c.Opset < 13 ? c.Ints("axes") ?? throw c.Fail("needs attribute 'axes'") : c.Longs(1);
        long rank = x.dim() + axes.Length;
        foreach (var axis in axes.Select(a => c.Axis(a, rank)).OrderBy(a => a)) x = x.unsqueeze(axis);
        return [x];
    }

    [OnnxOp("Squeeze")]
    public static Tensor[] Squeeze(NodeContext c)
    {
        var x = c.Input(0);
        var axes = c.Opset < 13 ? c.Ints("axes") : c.OptionalLongs(1);
        if (axes is null || axes.Length == 0)
            return [x.reshape(x.shape.Where(d => d != 1).ToArray())];
        var drop = axes.Select(a => c.Axis(a, x.dim())).ToHashSet();
        foreach (var a in drop)
            if (x.shape[a] != 1) throw c.Fail($"squeezes axis {a} of size {x.shape[a]}");
        return [x.reshape(x.shape.Where((d, i) => !drop.Contains(i)).ToArray())];
    }

    [OnnxOp("Gather")]
    public static Tensor[] Gather(NodeContext c)
    {
        var x = c.Input(0);
        var indices = c.Input(1).to_type(ScalarType.Int64);
        long axis = c.Axis(c.Int("axis", 0), x.dim());
        long size = x.shape[axis];
        indices = torch.where(indices.Less(0L), indices.Plus(size), indices);
        var picked = x.index_select(axis, indices.flatten().to(x.device));
        long[] shape = [.. x.shape[..(int)axis], .. indices.shape, .. x.shape[(int)(axis + 1)..]];
        return [picked.reshape(shape)];
    }

    [OnnxOp("Softmax")] public static Tensor[] Softmax(NodeContext c) => [Normalize(c, (t, d) => F.softmax(t, d))];
    [OnnxOp("LogSoftmax")] public static Tensor[] LogSoftmax(NodeContext c) => [Normalize(c, F.log_softmax)];
    [OnnxOp("Hardmax")]
    public static Tensor[] Hardmax(NodeContext c) =>
        [Normalize(c, (t, d) => F.one_hot(t.argmax(d), t.shape[d]).to_type(t.dtype).movedim([-1L], [d]))];

    /// <summary>
    /// Before opset 13, Softmax/LogSoftmax/Hardmax coerce the input to 2-D at <c>axis</c> (default 1) and normalise
    /// over the whole flattened tail; from opset 13 they normalise over one axis (default -1).
    /// </summary>
    private static Tensor Normalize(NodeContext c, Func<Tensor, long, Tensor> op)
    {
        var x = c.Input(0);
        if (c.Opset >= 13) return op(x, c.Axis(c.Int("axis", -1), x.dim()));
        long axis = c.Axis(c.Int("axis", 1), x.dim());
        long outer = x.shape[..(int)axis].Aggregate(1L, (a, b) => a * b);
        return op(x.reshape(outer, -1), 1).reshape(x.shape);
    }
}
