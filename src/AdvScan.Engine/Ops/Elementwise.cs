using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Engine.Ops;

/// <summary>Pointwise arithmetic and activations. Binary ops broadcast numpy-style, as ONNX (opset 7+) does.</summary>
internal static class Elementwise
{
    [OnnxOp("Add")] public static Tensor[] Add(NodeContext c) => [c.Input(0).Plus(Right(c))];
    [OnnxOp("Sub")] public static Tensor[] Sub(NodeContext c) => [c.Input(0) - Right(c)];
    [OnnxOp("Mul")] public static Tensor[] Mul(NodeContext c) => [c.Input(0) * Right(c)];

    /// <summary>
    /// The second operand of a binary op. Before opset 7, ONNX broadcast only with broadcast=1, and then aligned B
    /// with A starting at <c>axis</c> rather than at the trailing dimensions (e.g. a [C] bias against [N,C,H,W] at
    /// axis 1); reshaping B with trailing ones turns that into numpy broadcasting.
    /// </summary>
    internal static Tensor Right(NodeContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        if (c.Opset >= 7 || c.Int("broadcast", 0) == 0 || !c.HasAttribute("axis")) return b;
        long axis = c.Int("axis");
        if (axis < 0) axis += a.dim();
        long trailing = a.dim() - axis - b.dim();
        if (axis < 0 || trailing < 0) throw c.Fail($"broadcasts a rank-{b.dim()} B at axis {c.Int("axis")} of a rank-{a.dim()} A");
        return trailing == 0 ? b : b.reshape([.. b.shape, .. Enumerable.Repeat(1L, (int)trailing)]);
    }

    [OnnxOp("Div")]
    public static Tensor[] Div(NodeContext c)
    {
        var a = c.Input(0);
        var b = Right(c);
        // Integer division truncates in ONNX; TorchSharp's true division would produce floats.
        return a.is_floating_point() || b.is_floating_point() ? [a / b] : [a.div(b, RoundingMode.trunc)];
    }

    [OnnxOp("Pow")]
    public static Tensor[] Pow(NodeContext c)
    {
        var x = c.Input(0);
        var y = Right(c);
        return [x.pow(y.to_type(x.dtype))];
    }

    [OnnxOp("Neg")] public static Tensor[] Neg(NodeContext c) => [c.Input(0).neg()];
    [OnnxOp("Abs")] public static Tensor[] Abs(NodeContext c) => [c.Input(0).abs()];
    [OnnxOp("Sqrt")] public static Tensor[] Sqrt(NodeContext c) => [c.Input(0).sqrt()];
    [OnnxOp("Exp")] public static Tensor[] Exp(NodeContext c) => [c.Input(0).exp()];
    [OnnxOp("Log")] public static Tensor[] Log(NodeContext c) => [c.Input(0).log()];
    [OnnxOp("Reciprocal")] public static Tensor[] Reciprocal(NodeContext c) => [c.Input(0).reciprocal()];
    [OnnxOp("Floor")] public static Tensor[] Floor(NodeContext c) => [c.Input(0).floor()];
    [OnnxOp("Ceil")] public static Tensor[] Ceil(NodeContext c) => [c.Input(0).ceil()];
    [OnnxOp("Round")] public static Tensor[] Round(NodeContext c) => [c.Input(0).round()];
    [OnnxOp("Sign")] public static Tensor[] Sign(NodeContext c) => [c.Input(0).sign()];
    [OnnxOp("Erf")] public static Tensor[] Erf(NodeContext c) => [c.Input(0).erf()];
    [OnnxOp("Sin")] public static Tensor[] Sin(NodeContext c) => [c.Input(0).sin()];
    [OnnxOp("Cos")] public static Tensor[] Cos(NodeContext c) => [c.Input(0).cos()];

    [OnnxOp("Relu")] public static Tensor[] Relu(NodeContext c) => [F.relu(c.Input(0))];
    [OnnxOp("Sigmoid")] public static Tensor[] Sigmoid(NodeContext c) => [c.Input(0).sigmoid()];
    [OnnxOp("Tanh")] public static Tensor[] Tanh(NodeContext c) => [c.Input(0).tanh()];
    [OnnxOp("LeakyRelu")] public static Tensor[] LeakyRelu(NodeContext c) => [Scalars.With(c.Float("alpha", 0.01f), alpha => c.Input(0).leaky_relu(alpha))];
    [OnnxOp("Elu")] public static Tensor[] Elu(NodeContext c) => [Scalars.With(c.Float("alpha", 1f), alpha => c.Input(0).elu(alpha, Scalars.OneDouble, Scalars.OneDouble))];
    [OnnxOp("Celu")] public static Tensor[] Celu(NodeContext c) => [Scalars.With(c.Float("alpha", 1f), alpha => c.Input(0).celu(alpha))];
    [OnnxOp("Softplus")] public static Tensor[] Softplus(NodeContext c) => [c.Input(0).Softplus()];
    [OnnxOp("Softsign")] public static Tensor[] Softsign(NodeContext c) => [c.Input(0).div(c.Input(0).abs().Plus(1L))];
    [OnnxOp("HardSwish")] public static Tensor[] HardSwish(NodeContext c) => [F.hardswish(c.Input(0))];
    [OnnxOp("Mish")] public static Tensor[] Mish(NodeContext c) => [c.Input(0).mul(c.Input(0).Softplus().tanh())];

    [OnnxOp("Selu")]
    public static Tensor[] Selu(NodeContext c)
    {
        // ONNX lets a model override SELU's constants; torch's selu hard-codes the defaults.
        var x = c.Input(0);
        double alpha = c.Float("alpha", 1.67326319217681884765625f);
        double gamma = c.Float("gamma", 1.05070102214813232421875f);
        return [torch.where(x.Greater(0), x, x.exp().Minus(1L).Times(alpha)).Times(gamma)];
    }

    [OnnxOp("HardSigmoid")]
    public static Tensor[] HardSigmoid(NodeContext c)
    {
        // ONNX defaults alpha=0.2, beta=0.5 differ from torch's hardsigmoid (1/6, 0.5), so compute it directly.
        double alpha = c.Float("alpha", 0.2f), beta = c.Float("beta", 0.5f);
        return [c.Input(0).Times(alpha).Plus(beta).Clamped(0.0, 1.0)];
    }

    [OnnxOp("Gelu")]
    public static Tensor[] Gelu(NodeContext c) =>
        [c.String("approximate", "none") == "tanh" ? F.gelu(c.Input(0), TorchSharp.Modules.GELU.Approximate.tanh) : F.gelu(c.Input(0))];

    [OnnxOp("PRelu")]
    public static Tensor[] PRelu(NodeContext c)
    {
        var x = c.Input(0);
        var slope = c.Input(1);
        // ONNX broadcasts slope unidirectionally (e.g. [C,1,1] against [N,C,H,W]); torch's prelu wants [C].
        // Before opset 7 a 1-D slope was per channel (axis 1), whatever the rank; PyTorch exported it that way.
        if (c.Opset < 7 && slope.dim() == 1 && x.dim() > 2 && slope.shape[0] == x.shape[1] && slope.shape[0] != 1)
            slope = slope.reshape([slope.shape[0], .. Enumerable.Repeat(1L, (int)x.dim() - 2)]);
        return [torch.where(x.GreaterOrEqual(0), x, x * slope)];
    }

    [OnnxOp("Clip")]
    public static Tensor[] Clip(NodeContext c)
    {
        var x = c.Input(0);
        if (c.Opset < 11)
            return [x.Clamped(c.Float("min", float.MinValue), c.Float("max", float.MaxValue))];
        var min = c.Optional(1);
        var max = c.Optional(2);
        if (min is not null) x = torch.maximum(x, min.to_type(x.dtype));
        if (max is not null) x = torch.minimum(x, max.to_type(x.dtype));
        return [x];
    }

    [OnnxOp("Max")] public static Tensor[] Max(NodeContext c) => [Fold(c, torch.maximum)];
    [OnnxOp("Min")] public static Tensor[] Min(NodeContext c) => [Fold(c, torch.minimum)];
    [OnnxOp("Sum")] public static Tensor[] Sum(NodeContext c) => [Fold(c, (a, b) => a.Plus(b))];
    [OnnxOp("Mean")] public static Tensor[] Mean(NodeContext c) => [Fold(c, (a, b) => a.Plus(b)).Over((long)c.InputCount)];

    [OnnxOp("Equal")] public static Tensor[] Equal(NodeContext c) => [c.Input(0).eq(Right(c))];
    [OnnxOp("Less")] public static Tensor[] Less(NodeContext c) => [c.Input(0).lt(Right(c))];
    [OnnxOp("LessOrEqual")] public static Tensor[] LessOrEqual(NodeContext c) => [c.Input(0).le(c.Input(1))];
    [OnnxOp("Greater")] public static Tensor[] Greater(NodeContext c) => [c.Input(0).gt(Right(c))];
    [OnnxOp("GreaterOrEqual")] public static Tensor[] GreaterOrEqual(NodeContext c) => [c.Input(0).ge(c.Input(1))];
    [OnnxOp("Not")] public static Tensor[] Not(NodeContext c) => [c.Input(0).logical_not()];
    [OnnxOp("And")] public static Tensor[] And(NodeContext c) => [c.Input(0).logical_and(Right(c))];
    [OnnxOp("Or")] public static Tensor[] Or(NodeContext c) => [c.Input(0).logical_or(Right(c))];
    [OnnxOp("Xor")] public static Tensor[] Xor(NodeContext c) => [c.Input(0).logical_xor(Right(c))];

    [OnnxOp("Where")] public static Tensor[] Where(NodeContext c) => [torch.where(c.Input(0).to_type(ScalarType.Bool), c.Input(1), c.Input(2))];

    [OnnxOp("Identity")] public static Tensor[] Identity(NodeContext c) => [c.Input(0).alias()];

    private static Tensor Fold(NodeContext c, Func<Tensor, Tensor, Tensor> combine)
    {
        var result = c.Input(0);
        for (int i = 1; i < c.InputCount; i++) result = combine(result, c.Input(i));
        return c.InputCount == 1 ? result.alias() : result;
    }
}
