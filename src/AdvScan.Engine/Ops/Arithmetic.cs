using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Ops;

/// <summary>Pointwise operators beyond the basic set: remainders, special-value tests, piecewise activations, Einsum.</summary>
internal static class Arithmetic
{
    /// <summary>Mod: fmod=1 takes the dividend's sign (C fmod), fmod=0 the divisor's (Python %), as ONNX defines.</summary>
    [OnnxOp("Mod")]
    public static Tensor[] Mod(NodeContext c)
    {
        var a = c.Input(0);
        var b = c.Input(1);
        if (c.Int("fmod", 0) != 0) return [a.fmod(b)];
        if (a.is_floating_point()) throw c.Fail("takes floats with fmod=0, which ONNX forbids");
        return [a.remainder(b)];
    }

    [OnnxOp("IsNaN")] public static Tensor[] IsNaN(NodeContext c) => [c.Input(0).isnan()];

    [OnnxOp("IsInf")]
    public static Tensor[] IsInf(NodeContext c)
    {
        var x = c.Input(0);
        bool negative = c.Int("detect_negative", 1) != 0, positive = c.Int("detect_positive", 1) != 0;
        var inf = x.isinf();
        if (negative && positive) return [inf];
        if (positive) return [inf.logical_and(x.Greater(0))];
        if (negative) return [inf.logical_and(x.Less(0))];
        return [torch.zeros_like(x, ScalarType.Bool)];
    }

    [OnnxOp("ThresholdedRelu")]
    public static Tensor[] ThresholdedRelu(NodeContext c)
    {
        var x = c.Input(0);
        double alpha = c.Float("alpha", 1f);
        return [torch.where(x.Greater(alpha), x, torch.zeros_like(x))];
    }

    [OnnxOp("Shrink")]
    public static Tensor[] Shrink(NodeContext c)
    {
        var x = c.Input(0);
        double lambd = c.Float("lambd", 0.5f), bias = c.Float("bias", 0f);
        var zero = torch.zeros_like(x);
        return [torch.where(x.Less(-lambd), x.Plus(bias), torch.where(x.Greater(lambd), x.Minus(bias), zero))];
    }

    /// <summary>ONNX and torch share numpy's einsum grammar (explicit and implicit output, ellipsis).</summary>
    [OnnxOp("Einsum")]
    public static Tensor[] Einsum(NodeContext c)
    {
        var equation = c.String("equation", "").Replace(" ", "");
        if (equation.Length == 0) throw c.Fail("needs attribute 'equation'");
        var operands = Enumerable.Range(0, c.InputCount).Select(c.Input).ToArray();
        return [torch.einsum(equation, operands)];
    }
}
