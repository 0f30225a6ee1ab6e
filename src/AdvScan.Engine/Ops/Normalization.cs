using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Engine.Ops;

/// <summary>Normalisation layers, computed from their ONNX definitions so every axis/epsilon variant is exact.</summary>
internal static class Normalization
{
    /// <summary>LayerNormalization (opset 17): normalise over axes [axis, rank); optional Mean and InvStdDev outputs.</summary>
    [OnnxOp("LayerNormalization")]
    public static Tensor[] LayerNormalization(NodeContext c)
    {
        var x = c.Input(0);
        long axis = c.Axis(c.Int("axis", -1), x.dim());
        double eps = c.Float("epsilon", 1e-5f);
        var axes = Enumerable.Range((int)axis, (int)(x.dim() - axis)).Select(i => (long)i).ToArray();
        var mean = x.mean(axes, keepdim: true);
        var centered = x - mean;
        var invStd = (centered * centered).mean(axes, keepdim: true).Plus(eps).rsqrt();
        var y = centered * invStd * c.Input(1);
        if (c.Optional(2) is { } bias) y = y.Plus(bias);
        return [y, mean, invStd];
    }

    [OnnxOp("InstanceNormalization")]
    public static Tensor[] InstanceNormalization(NodeContext c)
    {
        var x = c.Input(0);
        if (x.dim() < 3) throw c.Fail($"takes a rank-{x.dim()} input; InstanceNormalization needs [N, C, D1, ...]");
        double eps = c.Float("epsilon", 1e-5f);
        var axes = Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray();
        var perChannel = Enumerable.Repeat(1L, (int)x.dim() - 2).ToArray();
        var scale = c.Input(1).reshape([-1, .. perChannel]);
        var bias = c.Input(2).reshape([-1, .. perChannel]);
        return [(Standardize(x, axes, eps) * scale).Plus(bias)];
    }

    /// <summary>
    /// GroupNormalization: opset 18 takes one scale/bias per group, opset 21 one per channel (the spec changed
    /// because the first form could not express PyTorch's GroupNorm).
    /// </summary>
    [OnnxOp("GroupNormalization")]
    public static Tensor[] GroupNormalization(NodeContext c)
    {
        var x = c.Input(0);
        long groups = c.Int("num_groups");
        double eps = c.Float("epsilon", 1e-5f);
        long n = x.shape[0], ch = x.shape[1];
        if (groups <= 0 || ch % groups != 0) throw c.Fail($"splits {ch} channels into {groups} groups");
        var grouped = x.reshape(n, groups, -1);
        var y = Standardize(grouped, [2], eps).reshape(x.shape);
        Tensor scale = c.Input(1), bias = c.Input(2);
        if (c.Opset < 21 && scale.numel() == groups && groups != ch)
        {
            scale = scale.repeat_interleave(ch / groups);
            bias = bias.repeat_interleave(ch / groups);
        }
        var perChannel = Enumerable.Repeat(1L, (int)x.dim() - 2).ToArray();
        return [(y * scale.reshape([-1, .. perChannel])).Plus(bias.reshape([-1, .. perChannel]))];
    }

    /// <summary>
    /// LRN across channels: x / (bias + alpha/size * sum of squares over the window [c - floor((size-1)/2),
    /// c + ceil((size-1)/2)])^beta.
    /// </summary>
    [OnnxOp("LRN")]
    public static Tensor[] Lrn(NodeContext c)
    {
        var x = c.Input(0);
        long size = c.Int("size");
        double alpha = c.Float("alpha", 1e-4f), beta = c.Float("beta", 0.75f), bias = c.Float("bias", 1f);
        if (x.dim() < 3) throw c.Fail($"takes a rank-{x.dim()} input; LRN needs [N, C, D1, ...]");
        long n = x.shape[0], ch = x.shape[1];
        // Channels last, so the window is a plain pad-and-sum along the final axis.
        var squares = (x * x).reshape(n, ch, -1).transpose(1, 2);
        long before = (size - 1) / 2, after = size - 1 - before;
        var padded = F.pad(squares, [before, after]);
        var sum = padded.narrow(2, 0, ch);
        for (long i = 1; i < size; i++) sum = sum.Plus(padded.narrow(2, i, ch));
        var windowSum = sum.transpose(1, 2).reshape(x.shape);
        return [x / windowSum.Times(alpha / size).Plus(bias).Power(beta)];
    }

    private static Tensor Standardize(Tensor x, long[] axes, double eps)
    {
        var centered = x - x.mean(axes, keepdim: true);
        return centered * (centered * centered).mean(axes, keepdim: true).Plus(eps).rsqrt();
    }
}
