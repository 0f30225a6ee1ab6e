using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Ops;

/// <summary>
/// BatchNormalization with training_mode=1 (opset 14+): normalise with the statistics of the tensor itself. Eval-mode
/// exports contain it where a model standardises its own weights in forward: timm's StdConv2d / ScaledStdConv2d
/// (BiT ResNetV2, NFNet and NF-ResNet, the R50 hybrid ViTs) call batch_norm(weight, None, None, training=True). Over a
/// constant weight it folds at import; over activations it is deterministic all the same (no running state is kept).
/// </summary>
internal static class BatchStatistics
{
    public static Tensor[] Normalize(NodeContext c)
    {
        var x = c.Input(0);
        if (x.dim() < 2) throw c.Fail($"takes a rank-{x.dim()} input; BatchNormalization needs [N, C, ...]");
        double eps = c.Float("epsilon", 1e-5f), momentum = c.Float("momentum", 0.9f);
        var axes = Enumerable.Range(0, (int)x.dim()).Where(a => a != 1).Select(a => (long)a).ToArray();
        var perChannel = new long[x.dim()];
        Array.Fill(perChannel, 1L);
        perChannel[1] = -1;
        var mean = x.mean(axes, keepdim: true);
        var centered = x.sub(mean);
        // Population variance (ONNX's ReduceVar), as PyTorch normalises a training batch.
        var variance = centered.mul(centered).mean(axes, keepdim: true);
        using var epsilon = eps.ToScalar();
        using var one = 1.ToScalar();
        // add(Scalar, Scalar): TorchSharp's one-argument add makes its alpha an implicit Scalar (issue 24).
        var y = centered.mul(variance.add(epsilon, one).rsqrt()).mul(c.Input(1).reshape(perChannel));
        y = y.add(c.Input(2).reshape(perChannel), one);
        if (c.OutputCount < 2) return [y];
        // running = input_running * momentum + current * (1 - momentum), for graphs that read the updated statistics.
        using var keep = momentum.ToScalar();
        using var take = (1 - momentum).ToScalar();
        var runningMean = c.Input(3).mul(keep).add(mean.flatten(), take);
        var runningVar = c.Input(4).mul(keep).add(variance.flatten(), take);
        return [y, runningMean, runningVar];
    }
}
