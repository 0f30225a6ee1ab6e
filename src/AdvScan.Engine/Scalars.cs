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
/// still reads it: a scan failed with "Scalar.h: toDouble/toFloat" about once in six suite runs, and in a loop under
/// back-to-back collections <c>a + b</c> failed about once in 3,600 calls.
/// </summary>
/// <remarks>
/// Here every Scalar is either a constant held by a static field (reachable for the life of the process, never
/// finalised) or created for one call by <see cref="With(double, Func{Scalar, Tensor})"/>, whose <c>using</c> keeps it
/// reachable until the native call has returned and then frees it. The Scalars have the C# type the implicit conversion
/// would have produced (an int alpha of 1, a double factor, a long for integer tensors), so results are bit for bit
/// those of the operators they replace. tests/AdvScan.Engine.Tests/ScalarSafety reads the IL of every AdvScan assembly
/// and fails on any call that would create an implicit Scalar.
/// </remarks>
public static class Scalars
{
    /// <summary>The int 1 TorchSharp passes as <c>alpha</c> to <c>add</c>, and the step of <c>arange</c>.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>The int 0, the start of <c>arange</c>.</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>The int 2 of <c>square()</c>, which is <c>pow(2)</c>.</summary>
    public static readonly Scalar Two = 2.ToScalar();

    /// <summary>The boolean true (marking rows of a bool tensor with <c>index_fill_</c>).</summary>
    public static readonly Scalar True = true.ToScalar();

    /// <summary>The double 1.0 (ELU's scale and input scale).</summary>
    public static readonly Scalar OneDouble = 1.0.ToScalar();

    private static readonly Scalar SoftplusThreshold = 20.ToScalar();

    /// <summary>Calls a TorchSharp method that takes a Scalar with <paramref name="value"/>, which lives exactly as long as the call.</summary>
    public static Tensor With(double value, Func<Scalar, Tensor> call)
    {
        using var s = value.ToScalar();
        return call(s);
    }

    /// <summary>The same for an integer (integer tensors keep their type).</summary>
    public static Tensor With(long value, Func<Scalar, Tensor> call)
    {
        using var s = value.ToScalar();
        return call(s);
    }

    /// <summary>The same for a float (TorchSharp's <c>t * 0.5f</c>).</summary>
    public static Tensor With(float value, Func<Scalar, Tensor> call)
    {
        using var s = value.ToScalar();
        return call(s);
    }

    /// <summary><c>a + b</c>, and <c>a += b</c> in place.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary><c>a + b</c>, <c>a - b</c>, <c>a * b</c>, <c>a / b</c> with a number.</summary>
    public static Tensor Plus(this Tensor a, double b) => With(b, s => a.add(s, One));

    public static Tensor Plus(this Tensor a, long b) => With(b, s => a.add(s, One));

    public static Tensor Minus(this Tensor a, double b) => With(b, a.sub);

    public static Tensor Minus(this Tensor a, long b) => With(b, a.sub);

    public static Tensor Times(this Tensor a, double b) => With(b, a.mul);

    public static Tensor Times(this Tensor a, float b) => With(b, a.mul);

    public static Tensor Times(this Tensor a, long b) => With(b, a.mul);

    public static Tensor Over(this Tensor a, double b) => With(b, s => a.div(s));

    public static Tensor Over(this Tensor a, long b) => With(b, s => a.div(s));

    /// <summary><c>value - t</c> and <c>value / t</c>, computed as TorchSharp's operators do: <c>(-t) + value</c>, <c>t.reciprocal() * value</c>.</summary>
    public static Tensor SubtractedFrom(this Tensor t, long value) => t.negative().Plus(value);

    public static Tensor DividedInto(this Tensor t, double value) => t.reciprocal().Times(value);

    /// <summary><c>t ^ 2</c>, as <c>square()</c> computes it, and <c>t ^ exponent</c>.</summary>
    public static Tensor Squared(this Tensor t) => t.pow(Two);

    public static Tensor Power(this Tensor t, double exponent) => With(exponent, t.pow);

    /// <summary><c>t.clamp(min, max)</c>, <c>clamp_max</c>, <c>clamp_min</c>.</summary>
    public static Tensor Clamped(this Tensor t, double min, double max) => With(min, low => With(max, high => t.clamp(low, high)));

    public static Tensor Clamped(this Tensor t, float min, float max) => With(min, low => With(max, high => t.clamp(low, high)));

    public static Tensor ClampedAbove(this Tensor t, double max) => With(max, t.clamp_max);

    public static Tensor ClampedBelow(this Tensor t, double min) => With(min, t.clamp_min);

    /// <summary>Comparisons with a number: <c>t &gt; v</c>, <c>t &lt; v</c>, <c>t &gt;= v</c>, <c>t &lt;= v</c>, <c>t == v</c>.</summary>
    public static Tensor Greater(this Tensor t, double v) => With(v, t.gt);

    public static Tensor Greater(this Tensor t, long v) => With(v, t.gt);

    public static Tensor Less(this Tensor t, double v) => With(v, t.lt);

    public static Tensor Less(this Tensor t, long v) => With(v, t.lt);

    public static Tensor GreaterOrEqual(this Tensor t, double v) => With(v, t.ge);

    public static Tensor LessOrEqual(this Tensor t, double v) => With(v, t.le);

    public static Tensor EqualTo(this Tensor t, long v) => With(v, t.eq);

    /// <summary><c>t.masked_fill(mask, value)</c>.</summary>
    public static Tensor Filled(this Tensor t, Tensor mask, double value) => With(value, s => t.masked_fill(mask, s));

    /// <summary><c>torch.arange(stop)</c> (0, 1, ..., stop - 1) and <c>torch.arange(start, stop)</c>.</summary>
    public static Tensor Arange(long stop, ScalarType? dtype = null, Device? device = null) =>
        With(stop, s => torch.arange(Zero, s, One, dtype, device));

    public static Tensor Arange(long start, long stop, ScalarType? dtype = null, Device? device = null) =>
        With(start, a => With(stop, b => torch.arange(a, b, One, dtype, device)));

    /// <summary><c>torch.full(size, value)</c> and <c>torch.full_like(like, value)</c>.</summary>
    public static Tensor Full(long[] size, double value, ScalarType? dtype = null, Device? device = null) =>
        With(value, s => torch.full(size, s, dtype, device));

    public static Tensor Full(long[] size, long value, ScalarType? dtype = null, Device? device = null) =>
        With(value, s => torch.full(size, s, dtype, device));

    public static Tensor FullLike(Tensor like, long value) => With(value, s => torch.full_like(like, s));

    /// <summary>
    /// Softplus, log(1 + e^x), as libtorch's softplus with beta 1 computes it (x itself above the threshold 20), whose
    /// TorchSharp wrapper takes implicit Scalars. The exponent is clamped at the threshold, so the branch not taken can
    /// neither overflow nor turn the gradient into NaN.
    /// </summary>
    public static Tensor Softplus(this Tensor x) => torch.where(x.gt(SoftplusThreshold), x, x.clamp_max(SoftplusThreshold).exp().log1p());
}
