using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Engine.Ops;

/// <summary>
/// Resolves ONNX spatial padding (explicit pads, auto_pad SAME_UPPER/SAME_LOWER/VALID) into what TorchSharp takes:
/// symmetric per-axis padding, or an explicit pre-pad when ONNX asks for something torch's kernels cannot express
/// (asymmetric pads, pads larger than half a pooling window).
/// </summary>
internal readonly record struct SpatialPadding(long[] Begin, long[] End)
{
    public bool IsSymmetric => Begin.AsSpan().SequenceEqual(End);
    public bool IsZero => Begin.All(p => p == 0) && End.All(p => p == 0);

    /// <summary>F.pad wants pairs from the last axis backwards: (last_begin, last_end, prev_begin, prev_end, ...).</summary>
    public long[] ToTorchPad()
    {
        var pad = new long[Begin.Length * 2];
        for (int i = 0; i < Begin.Length; i++)
        {
            int axis = Begin.Length - 1 - i;
            pad[2 * i] = Begin[axis];
            pad[2 * i + 1] = End[axis];
        }
        return pad;
    }

    public static SpatialPadding Resolve(NodeContext c, long[] inputSpatial, long[] kernel, long[] strides, long[] dilations)
    {
        int n = inputSpatial.Length;
        var autoPad = c.String("auto_pad", "NOTSET");
        var begin = new long[n];
        var end = new long[n];
        switch (autoPad)
        {
            case "NOTSET":
            {
                var pads = c.Ints("pads") ?? new long[2 * n];
                if (pads.Length != 2 * n) throw c.Fail($"has {pads.Length} pads for {n} spatial axes");
                Array.Copy(pads, 0, begin, 0, n);
                Array.Copy(pads, n, end, 0, n);
                break;
            }
            case "VALID":
                break;
            case "SAME_UPPER":
            case "SAME_LOWER":
                for (int i = 0; i < n; i++)
                {
                    long output = (inputSpatial[i] + strides[i] - 1) / strides[i];
                    long total = Math.Max(0, (output - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inputSpatial[i]);
                    long small = total / 2, large = total - small;
                    (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, large) : (large, small);
                }
                break;
            default:
                throw c.Fail($"has unknown auto_pad '{autoPad}'");
        }
        return new SpatialPadding(begin, end);
    }
}

internal static class Spatial
{
    public static long[] Repeat(long value, int count) => Enumerable.Repeat(value, count).ToArray();

    public static long[] SpatialShape(Tensor x) => x.shape[2..];

    /// <summary>1-D spatial ops run as 2-D ones over a height-1 image: TorchSharp's 2-D kernels take asymmetric params.</summary>
    public static Tensor Lift1d(Tensor x) => x.unsqueeze(2);

    public static Tensor Drop1d(Tensor x) => x.squeeze(2);

    public static long[] Lift1d(long[] values, long fill) => [fill, .. values];
}
