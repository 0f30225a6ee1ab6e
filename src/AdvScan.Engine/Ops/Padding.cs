using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Engine.Ops;

internal static class Padding
{
    /// <summary>
    /// Pad: pads come from the 'paddings' attribute (opset 1), the 'pads' attribute (opsets 2-10) or an input
    /// (opset 11+, with optional constant value and, from opset 18, axes). Negative pads crop.
    /// Reflect/edge/wrap are done per axis with index_select, which works at any rank and keeps gradients exact.
    /// </summary>
    [OnnxOp("Pad")]
    public static Tensor[] Pad(NodeContext c)
    {
        var x = c.Input(0);
        int rank = (int)x.dim();
        long[] pads;
        double value;
        if (c.Opset < 11)
        {
            pads = c.Ints(c.Opset < 2 ? "paddings" : "pads") ?? throw c.Fail("needs attribute 'pads'");
            value = c.Float("value", 0f);
        }
        else
        {
            pads = c.Longs(1);
            value = c.Has(2) && c.Input(2).numel() > 0 ? c.Doubles(2)[0] : 0;
        }
        var axes = c.Opset >= 18 && c.Has(3) ? c.Longs(3).Select(a => c.Axis(a, rank)).ToArray() : Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        if (pads.Length != 2 * axes.Length) throw c.Fail($"has {pads.Length} pads for {axes.Length} axes");
        var begin = new long[rank];
        var end = new long[rank];
        for (int i = 0; i < axes.Length; i++)
        {
            begin[axes[i]] = pads[i];
            end[axes[i]] = pads[i + axes.Length];
        }

        var mode = c.String("mode", "constant");
        if (mode == "constant")
        {
            var torchPad = new long[2 * rank];
            for (int i = 0; i < rank; i++)
            {
                torchPad[2 * i] = begin[rank - 1 - i];
                torchPad[2 * i + 1] = end[rank - 1 - i];
            }
            return [F.pad(x, torchPad, PaddingModes.Constant, value)];
        }
        if (mode is not ("reflect" or "edge" or "wrap")) throw c.Fail($"has unknown pad mode '{mode}'");

        for (int axis = 0; axis < rank; axis++)
        {
            // Crop first, so negative pads on one side and positive on the other compose as ONNX defines.
            long size = x.shape[axis];
            long cropBegin = Math.Max(0, -begin[axis]), cropEnd = Math.Max(0, -end[axis]);
            if (cropBegin + cropEnd > 0)
            {
                if (cropBegin + cropEnd > size) throw c.Fail($"crops {cropBegin + cropEnd} from axis {axis} of size {size}");
                x = x.narrow(axis, cropBegin, size - cropBegin - cropEnd);
                size = x.shape[axis];
            }
            long before = Math.Max(0, begin[axis]), after = Math.Max(0, end[axis]);
            if (before + after == 0) continue;
            if (size == 0) throw c.Fail($"pads an empty axis {axis} in {mode} mode");
            if (mode == "reflect" && (before >= size || after >= size))
                throw c.Fail($"reflect-pads axis {axis} of size {size} by {Math.Max(before, after)}; reflection needs pads smaller than the axis");
            var index = new long[before + size + after];
            for (long i = 0; i < index.Length; i++)
                index[i] = SourceIndex(i - before, size, mode);
            x = x.index_select(axis, torch.tensor(index, device: x.device));
        }
        return [x];
    }

    private static long SourceIndex(long i, long size, string mode) => mode switch
    {
        "edge" => Math.Clamp(i, 0, size - 1),
        "wrap" => ((i % size) + size) % size,
        _ => i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i,
    };
}
