using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Engine.Ops;

internal static class Convolution
{
    [OnnxOp("Conv")]
    public static Tensor[] Conv(NodeContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        var b = c.Optional(2);
        int spatial = (int)x.dim() - 2;
        if (spatial < 1 || spatial > 3) throw c.Fail($"takes a rank-{x.dim()} input; Conv supports 1-D to 3-D images");
        var kernel = c.Ints("kernel_shape") ?? w.shape[2..];
        var strides = c.Ints("strides") ?? Spatial.Repeat(1, spatial);
        var dilations = c.Ints("dilations") ?? Spatial.Repeat(1, spatial);
        long groups = c.Int("group", 1);
        var padding = SpatialPadding.Resolve(c, Spatial.SpatialShape(x), kernel, strides, dilations);
        long[] symmetric = padding.Begin;
        if (!padding.IsSymmetric)
        {
            x = F.pad(x, padding.ToTorchPad());
            symmetric = Spatial.Repeat(0, spatial);
        }
        // libtorch 2.10's CPU backward of a strided 1x1 convolution dies with SIGFPE for some channel counts (ResNet-50's
        // 512->1024 and 1024->2048 downsample shortcuts among them), taking the process with it. Taking every
        // stride-th pixel first and convolving with stride 1 is the same function, and its backward is safe.
        if (kernel.All(k => k == 1) && strides.Any(s => s > 1) && symmetric.All(p => p == 0))
        {
            for (int d = 0; d < spatial; d++)
                if (strides[d] > 1) x = x.slice(2 + d, 0, x.shape[2 + d], strides[d]);
            strides = Spatial.Repeat(1, spatial);
        }
        Tensor y = spatial switch
        {
            1 => Spatial.Drop1d(F.conv2d(Spatial.Lift1d(x), w.unsqueeze(2), b,
                Spatial.Lift1d(strides, 1), Spatial.Lift1d(symmetric, 0), Spatial.Lift1d(dilations, 1), groups)),
            2 => F.conv2d(x, w, b, strides, symmetric, dilations, groups),
            _ => F.conv3d(x, w, b, strides, symmetric, dilations, groups),
        };
        return [y];
    }

    [OnnxOp("BatchNormalization")]
    public static Tensor[] BatchNormalization(NodeContext c)
    {
        // Inference semantics (training_mode = 0): normalise with the stored running statistics.
        var x = c.Input(0);
        if (c.Opset < 9 && c.Int("spatial", 1) == 0)
        {
            // spatial=0 (opsets 1-8): statistics per activation, shaped like one sample [C, D1, ...].
            double eps = c.Float("epsilon", 1e-5f);
            return [(x - c.Input(3)) / (c.Input(4) + eps).sqrt() * c.Input(1) + c.Input(2)];
        }
        var y = F.batch_norm(x, c.Input(3), c.Input(4), c.Input(1), c.Input(2), training: false, eps: c.Float("epsilon", 1e-5f));
        return [y];
    }

    [OnnxOp("Gemm")]
    public static Tensor[] Gemm(NodeContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        if (c.Int("transA", 0) != 0) a = a.t();
        if (c.Int("transB", 0) != 0) b = b.t();
        double alpha = c.Float("alpha", 1f), beta = c.Float("beta", 1f);
        var y = a.matmul(b);
        if (alpha != 1) y = y * alpha;
        if (c.Optional(2) is { } bias) y = y + (beta == 1 ? bias : bias * beta);
        return [y];
    }

    [OnnxOp("MatMul")] public static Tensor[] MatMul(NodeContext c) => [c.Input(0).matmul(c.Input(1))];
}
