using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Engine.Ops;

internal static class Pooling
{
    [OnnxOp("MaxPool")]
    public static Tensor[] MaxPool(NodeContext c)
    {
        if (c.OutputCount > 1 && c.Node.Output[1].Length > 0) throw c.Fail("asks for MaxPool's Indices output, which AdvScan does not produce");
        var x = c.Input(0);
        int spatial = (int)x.dim() - 2;
        var kernel = c.Ints("kernel_shape") ?? throw c.Fail("needs attribute 'kernel_shape'");
        var strides = c.Ints("strides") ?? Spatial.Repeat(1, spatial);
        var dilations = c.Ints("dilations") ?? Spatial.Repeat(1, spatial);
        bool ceil = c.Int("ceil_mode", 0) != 0;
        var padding = SpatialPadding.Resolve(c, Spatial.SpatialShape(x), kernel, strides, dilations);
        var pads = padding.Begin;
        if (!padding.IsSymmetric || pads.Where((p, i) => p > kernel[i] / 2).Any())
        {
            x = F.pad(x, padding.ToTorchPad(), value: double.NegativeInfinity);
            pads = Spatial.Repeat(0, spatial);
        }
        return [spatial switch
        {
            1 => Spatial.Drop1d(F.max_pool2d(Spatial.Lift1d(x), Spatial.Lift1d(kernel, 1), Spatial.Lift1d(strides, 1), Spatial.Lift1d(pads, 0), Spatial.Lift1d(dilations, 1), ceil)),
            2 => F.max_pool2d(x, kernel, strides, pads, dilations, ceil),
            3 => F.max_pool3d(x, kernel, strides, pads, dilations, ceil),
            _ => throw c.Fail($"takes a rank-{x.dim()} input; pooling supports 1-D to 3-D images"),
        }];
    }

    [OnnxOp("AveragePool")]
    public static Tensor[] AveragePool(NodeContext c)
    {
        var x = c.Input(0);
        int spatial = (int)x.dim() - 2;
        var kernel = c.Ints("kernel_shape") ?? throw c.Fail("needs attribute 'kernel_shape'");
        var strides = c.Ints("strides") ?? Spatial.Repeat(1, spatial);
        if (c.Ints("dilations") is { } d && d.Any(v => v != 1)) throw c.Fail("uses dilated average pooling, which AdvScan does not support");
        bool ceil = c.Int("ceil_mode", 0) != 0;
        bool includePad = c.Int("count_include_pad", 0) != 0;
        var padding = SpatialPadding.Resolve(c, Spatial.SpatialShape(x), kernel, strides, Spatial.Repeat(1, spatial));
        if (padding.IsSymmetric && padding.Begin.Where((p, i) => p > kernel[i] / 2).Any() == false)
            return [Average(x, kernel, strides, padding.Begin, ceil, includePad, c)];

        // Asymmetric padding: pad explicitly; without count_include_pad divide by the number of real pixels.
        var padded = F.pad(x, padding.ToTorchPad());
        var zero = Spatial.Repeat(0, spatial);
        var sums = Average(padded, kernel, strides, zero, ceil, true, c);
        if (includePad) return [sums];
        var mask = F.pad(torch.ones([1, 1, .. x.shape[2..]], dtype: x.dtype, device: x.device), padding.ToTorchPad());
        var counts = Average(mask, kernel, strides, zero, ceil, true, c);
        return [sums / counts];
    }

    private static Tensor Average(Tensor x, long[] kernel, long[] strides, long[] pads, bool ceil, bool includePad, NodeContext c) =>
        x.dim() switch
        {
            3 => Spatial.Drop1d(F.avg_pool2d(Spatial.Lift1d(x), Spatial.Lift1d(kernel, 1), Spatial.Lift1d(strides, 1), Spatial.Lift1d(pads, 0), ceil, includePad)),
            4 => F.avg_pool2d(x, kernel, strides, pads, ceil, includePad),
            5 => F.avg_pool3d(x, kernel, strides, pads, ceil, includePad),
            _ => throw c.Fail($"takes a rank-{x.dim()} input; pooling supports 1-D to 3-D images"),
        };

    [OnnxOp("GlobalAveragePool")]
    public static Tensor[] GlobalAveragePool(NodeContext c)
    {
        var x = c.Input(0);
        return [x.mean(Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray(), keepdim: true)];
    }

    [OnnxOp("GlobalMaxPool")]
    public static Tensor[] GlobalMaxPool(NodeContext c)
    {
        var x = c.Input(0);
        return [x.amax(Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray(), keepdim: true)];
    }
}
