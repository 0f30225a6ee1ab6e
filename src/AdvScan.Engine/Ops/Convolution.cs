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
        // oneDNN 3.7 (libtorch 2.10's CPU convolutions) computes the input gradient in a channel-blocked layout whose
        // padding channels it leaves uninitialised; when the output channels are not a multiple of the block (16 for
        // AVX-512, 8 for AVX2), whatever was in that memory (NaN included) leaks into the gradient. Zero output channels
        // up to a multiple of 16, sliced off again, keep the padding out of it: their gradient is an explicit zero.
        long outChannels = w.shape[0];
        long missing = groups == 1 && x.device.type == DeviceType.CPU && x.requires_grad ? (16 - outChannels % 16) % 16 : 0;
        if (missing > 0)
        {
            w = torch.cat([w, w.new_zeros([missing, .. w.shape[1..]])], 0);
            if (b is not null) b = torch.cat([b, b.new_zeros(missing)], 0);
        }
        Tensor y = spatial switch
        {
            1 => Spatial.Drop1d(F.conv2d(Spatial.Lift1d(x), w.unsqueeze(2), b,
                Spatial.Lift1d(strides, 1), Spatial.Lift1d(symmetric, 0), Spatial.Lift1d(dilations, 1), groups)),
            2 => F.conv2d(x, w, b, strides, symmetric, dilations, groups),
            _ => F.conv3d(x, w, b, strides, symmetric, dilations, groups),
        };
        return [missing > 0 ? y.narrow(1, 0, outChannels) : y];
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
            return [((x - c.Input(3)) / c.Input(4).Plus(eps).sqrt() * c.Input(1)).Plus(c.Input(2))];
        }
        if (c.Opset >= 14 && c.Int("training_mode", 0) != 0) return BatchStatistics.Normalize(c);
        var y = F.batch_norm(x, c.Input(3), c.Input(4), c.Input(1), c.Input(2), training: false, eps: c.Float("epsilon", 1e-5f));
        return [y];
    }

    [OnnxOp("Gemm")]
    public static Tensor[] Gemm(NodeContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        bool transB = c.Int("transB", 0) != 0;
        if (c.Int("transA", 0) != 0) a = a.t();
        double alpha = c.Float("alpha", 1f), beta = c.Float("beta", 1f);
        var bias = c.Optional(2);
        // The fully connected layer exporters emit (transB=1, a bias per output): one fused addmm, whose backward is
        // cheaper than a separate matmul and add (measured in bench/: it is most of the imported graph's overhead).
        if (transB) b = b.t();
        if (alpha == 1 && beta == 1 && bias is not null && a.dim() == 2 && bias.dim() == 1 && bias.shape[0] == b.shape[1])
            return [torch.addmm(bias, a, b, 1, 1)];
        var y = a.matmul(b);
        if (alpha != 1) y = y.Times(alpha);
        if (bias is not null) y = y.Plus(beta == 1 ? bias : bias.Times(beta));
        return [y];
    }

    [OnnxOp("MatMul")] public static Tensor[] MatMul(NodeContext c) => [c.Input(0).matmul(c.Input(1))];
}
