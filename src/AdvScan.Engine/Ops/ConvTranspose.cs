using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Engine.Ops;

internal static class ConvTransposeOp
{
    /// <summary>
    /// Runs torch's transposed convolution unpadded, then crops (pads) and extends (output_padding) with one
    /// constant pad: ONNX allows asymmetric and auto pads and an explicit output_shape, which torch's
    /// symmetric padding argument cannot express. Bias is added last so the extended border carries it too.
    /// </summary>
    [OnnxOp("ConvTranspose")]
    public static Tensor[] ConvTranspose(NodeContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        var b = c.Optional(2);
        int n = (int)x.dim() - 2;
        if (n < 1 || n > 3) throw c.Fail($"takes a rank-{x.dim()} input; ConvTranspose supports 1-D to 3-D images");
        var kernel = c.Ints("kernel_shape") ?? w.shape[2..];
        var strides = c.Ints("strides") ?? Spatial.Repeat(1, n);
        var dilations = c.Ints("dilations") ?? Spatial.Repeat(1, n);
        var outputPadding = c.Ints("output_padding") ?? Spatial.Repeat(0, n);
        long groups = c.Int("group", 1);
        var autoPad = c.String("auto_pad", "NOTSET");
        var input = x.shape[2..];

        var full = new long[n];
        for (int i = 0; i < n; i++) full[i] = strides[i] * (input[i] - 1) + (kernel[i] - 1) * dilations[i] + 1;
        var begin = new long[n];
        var end = new long[n];
        var outputShape = c.Ints("output_shape");
        if (outputShape is not null && outputShape.Length == n + 2) outputShape = outputShape[2..];
        if (outputShape is null && autoPad is "SAME_UPPER" or "SAME_LOWER")
            outputShape = input.Select((s, i) => s * strides[i]).ToArray();
        if (outputShape is not null)
        {
            if (outputShape.Length != n) throw c.Fail($"has an output_shape of {outputShape.Length} values for {n} spatial axes");
            for (int i = 0; i < n; i++)
            {
                long total = full[i] + outputPadding[i] - outputShape[i];
                // The ONNX spec puts the odd padding element at the end for SAME_UPPER and at the start otherwise.
                (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2);
            }
        }
        else if (autoPad is "NOTSET")
        {
            var pads = c.Ints("pads") ?? new long[2 * n];
            if (pads.Length != 2 * n) throw c.Fail($"has {pads.Length} pads for {n} spatial axes");
            Array.Copy(pads, 0, begin, 0, n);
            Array.Copy(pads, n, end, 0, n);
        }
        else if (autoPad is not "VALID") throw c.Fail($"has unknown auto_pad '{autoPad}'");

        var zeros = Spatial.Repeat(0, n);
        Tensor y = n switch
        {
            1 => Spatial.Drop1d(F.conv_transpose2d(Spatial.Lift1d(x), w.unsqueeze(2), null, Spatial.Lift1d(strides, 1),
                Spatial.Lift1d(zeros, 0), Spatial.Lift1d(zeros, 0), Spatial.Lift1d(dilations, 1), groups)),
            2 => F.conv_transpose2d(x, w, null, strides, zeros, zeros, dilations, groups),
            _ => F.conv_transpose3d(x, w, null, strides, zeros, zeros, dilations, groups),
        };
        var crop = new long[2 * n];
        for (int i = 0; i < n; i++)
        {
            int axis = n - 1 - i;
            crop[2 * i] = -begin[axis];
            crop[2 * i + 1] = outputPadding[axis] - end[axis];
        }
        if (crop.Any(p => p != 0)) y = F.pad(y, crop);
        if (b is not null) y = y.Plus(b.reshape([b.shape[0], .. Enumerable.Repeat(1L, n)]));
        return [y];
    }
}
