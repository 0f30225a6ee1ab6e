using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine;

/// <summary>
/// Tensor arithmetic without TorchSharp's implicit <see cref="Scalar"/>s, in one place. TorchSharp 0.107 turns every
/// number handed to an operator into a native Scalar (<c>t * 0.5</c>, <c>t + 1</c>, <c>x.clamp(0, 1)</c>,
/// <c>x.gt(0)</c>) and even adds one where none is written: <c>a + b</c> is <c>add(b, alpha: 1)</c>, <c>add_(b)</c>,
/// <c>addcdiv</c>, <c>square()</c> (<c>pow(2)</c>), <c>arange(n)</c> (<c>arange(0, n, 1)</c>), <c>F.elu</c>,
/// <c>F.softplus</c>, <c>F.softsign</c> (<c>1 + |x|</c>) and the optimisers' steps do the same inside. Such a Scalar
/// is unreachable once its handle is read, so a garbage collection on any thread can finalise (free) it while libtorch
/// still reads it: a scan failed with "Scalar.h: toDouble/toFloat" about once in six suite runs.
/// </summary>
/// <remarks>
/// Here every Scalar is either a constant held by a static field (reachable for the life of the process, never
/// finalised) or created for one call and disposed by a <c>using</c> after the native call returns, which also keeps
/// it reachable during the call. The Scalars have the C# type the implicit conversion would have produced (an int
/// alpha of 1, a double factor), so results are bit-for-bit those of the operators they replace. A test reads the IL
/// of every AdvScan assembly and fails on any call that would create an implicit Scalar.
/// </remarks>
public static class Scalars
{
    /// <summary>The int 1 TorchSharp passes as <c>alpha</c> to <c>add</c>, and the step of <c>arange</c>.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>The int 0 (comparisons with zero, the start of <c>arange</c>).</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>The int 2 of <c>square()</c>, which is <c>pow(2)</c>.</summary>
    public static readonly Scalar Two = 2.ToScalar();

    /// <summary>The boolean true (marking rows of a bool tensor with <c>index_fill_</c>).</summary>
    public static readonly Scalar True = true.ToScalar();

    /// <summary>The double 1.0 (ELU's scale and input scale).</summary>
    public static readonly Scalar OneDouble = 1.0.ToScalar();

    /// <summary>Calls a TorchSharp method that takes a Scalar with <paramref name="value"/>, which lives exactly as long as the call.</summary>
    public static Tensor With(double value, Func<Scalar, Tensor> call)
    {
        using var s = value.ToScalar();
        return call(s);
    }

    /// <summary><c>a + b</c>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><c>a += b</c>, in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary><c>a + alpha * b</c>.</summary>
    public static Tensor PlusScaled(this Tensor a, Tensor b, double alpha)
    {
        using var s = alpha.ToScalar();
        return a.add(b, s);
    }

    /// <summary><c>a + b</c> for a double (float tensors) or a long (integer tensors keep their type).</summary>
    public static Tensor Plus(this Tensor a, double b)
    {
        using var s = b.ToScalar();
        return a.add(s, One);
    }

    public static Tensor Plus(this Tensor a, long b)
    {
        using var s = b.ToScalar();
        return a.add(s, One);
    }

    /// <summary><c>a - b</c>.</summary>
    public static Tensor Minus(this Tensor a, double b)
    {
        using var s = b.ToScalar();
        return a.sub(s);
    }

    public static Tensor Minus(this Tensor a, long b)
    {
        using var s = b.ToScalar();
        return a.sub(s);
    }

    /// <summary><c>value - t</c>, computed as TorchSharp's operator does: <c>(-t) + value</c>.</summary>
    public static Tensor SubtractedFrom(this Tensor t, double value) => t.negative().Plus(value);

    public static Tensor SubtractedFrom(this Tensor t, long value) => t.negative().Plus(value);

    /// <summary><c>a * b</c>.</summary>
    public static Tensor Times(this Tensor a, double b)
    {
        using var s = b.ToScalar();
        return a.mul(s);
    }

    public static Tensor Times(this Tensor a, float b)
    {
        using var s = b.ToScalar();
        return a.mul(s);
    }

    public static Tensor Times(this Tensor a, long b)
    {
        using var s = b.ToScalar();
        return a.mul(s);
    }

    /// <summary><c>a / b</c>.</summary>
    public static Tensor Over(this Tensor a, double b)
    {
        using var s = b.ToScalar();
        return a.div(s);
    }

    public static Tensor Over(this Tensor a, long b)
    {
        using var s = b.ToScalar();
        return a.div(s);
    }

    /// <summary><c>value / t</c>, computed as TorchSharp's operator does: <c>t.reciprocal() * value</c>.</summary>
    public static Tensor DividedInto(this Tensor t, double value) => t.reciprocal().Times(value);

    /// <summary><c>t ^ 2</c>, as <c>square()</c> computes it.</summary>
    public static Tensor Squared(this Tensor t) => t.pow(Two);

    /// <summary><c>t.pow(exponent)</c>.</summary>
    public static Tensor Power(this Tensor t, double exponent)
    {
        using var s = exponent.ToScalar();
        return t.pow(s);
    }

    /// <summary><c>t.clamp(min, max)</c>; a null bound is left open.</summary>
    public static Tensor Clamped(this Tensor t, double? min, double? max)
    {
        using var low = min?.ToScalar();
        using var high = max?.ToScalar();
        return t.clamp(low, high);
    }

    public static Tensor Clamped(this Tensor t, float? min, float? max)
    {
        using var low = min?.ToScalar();
        using var high = max?.ToScalar();
        return t.clamp(low, high);
    }

    /// <summary><c>t.clamp_max(max)</c>.</summary>
    public static Tensor ClampedAbove(this Tensor t, double max)
    {
        using var s = max.ToScalar();
        return t.clamp_max(s);
    }

    /// <summary><c>t.clamp_min(min)</c>.</summary>
    public static Tensor ClampedBelow(this Tensor t, double min)
    {
        using var s = min.ToScalar();
        return t.clamp_min(s);
    }

    /// <summary>In place <c>t.clamp_(min, max)</c>.</summary>
    public static Tensor ClampedInPlace(this Tensor t, double min, double max)
    {
        using var low = min.ToScalar();
        using var high = max.ToScalar();
        return t.clamp_(low, high);
    }

    /// <summary>Comparisons with a number: <c>t &gt; v</c>, <c>t &lt; v</c>, <c>t &gt;= v</c>, <c>t &lt;= v</c>, <c>t == v</c>, <c>t != v</c>.</summary>
    public static Tensor Greater(this Tensor t, double v)
    {
        using var s = v.ToScalar();
        return t.gt(s);
    }

    public static Tensor Less(this Tensor t, double v)
    {
        using var s = v.ToScalar();
        return t.lt(s);
    }

    public static Tensor GreaterOrEqual(this Tensor t, double v)
    {
        using var s = v.ToScalar();
        return t.ge(s);
    }

    public static Tensor Greater(this Tensor t, long v)
    {
        using var s = v.ToScalar();
        return t.gt(s);
    }

    public static Tensor Less(this Tensor t, long v)
    {
        using var s = v.ToScalar();
        return t.lt(s);
    }

    public static Tensor GreaterOrEqual(this Tensor t, long v)
    {
        using var s = v.ToScalar();
        return t.ge(s);
    }

    public static Tensor LessOrEqual(this Tensor t, double v)
    {
        using var s = v.ToScalar();
        return t.le(s);
    }

    public static Tensor EqualTo(this Tensor t, long v)
    {
        using var s = v.ToScalar();
        return t.eq(s);
    }

    /// <summary><c>t.masked_fill(mask, value)</c>.</summary>
    public static Tensor Filled(this Tensor t, Tensor mask, double value)
    {
        using var s = value.ToScalar();
        return t.masked_fill(mask, s);
    }

    /// <summary>In place <c>t.masked_fill_(mask, value)</c>.</summary>
    public static Tensor FilledInPlace(this Tensor t, Tensor mask, double value)
    {
        using var s = value.ToScalar();
        return t.masked_fill_(mask, s);
    }

    /// <summary><c>torch.arange(stop)</c>: 0, 1, ..., stop - 1.</summary>
    public static Tensor Arange(long stop, ScalarType? dtype = null, Device? device = null)
    {
        using var s = stop.ToScalar();
        return torch.arange(Zero, s, One, dtype, device);
    }

    /// <summary><c>torch.arange(start, stop)</c>.</summary>
    public static Tensor Arange(long start, long stop, ScalarType? dtype = null, Device? device = null)
    {
        using var a = start.ToScalar();
        using var b = stop.ToScalar();
        return torch.arange(a, b, One, dtype, device);
    }

    /// <summary><c>torch.full(size, value)</c>.</summary>
    public static Tensor Full(long[] size, double value, ScalarType? dtype = null, Device? device = null)
    {
        using var s = value.ToScalar();
        return torch.full(size, s, dtype, device);
    }

    public static Tensor Full(long[] size, long value, ScalarType? dtype = null, Device? device = null)
    {
        using var s = value.ToScalar();
        return torch.full(size, s, dtype, device);
    }

    /// <summary><c>torch.full_like(like, value)</c>.</summary>
    public static Tensor FullLike(Tensor like, long value)
    {
        using var s = value.ToScalar();
        return torch.full_like(like, s);
    }

    /// <summary>
    /// Softplus, log(1 + e^x), as libtorch's softplus with beta 1 computes it (x itself above the threshold 20), whose
    /// TorchSharp wrapper takes implicit Scalars. The exponent is clamped at the threshold, so the branch not taken can
    /// neither overflow nor turn the gradient into NaN.
    /// </summary>
    public static Tensor Softplus(this Tensor x) => torch.where(x.gt(SoftplusThreshold), x, x.clamp_max(SoftplusThreshold).exp().log1p());

    private static readonly Scalar SoftplusThreshold = 20.ToScalar();
}
