using AdvScan.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks;

/// <summary>
/// The feasible set of one batch: the eps-ball around the clean pixels intersected with [0,1]. Under L-inf that set is
/// a box, so its bounds are computed once and every projected step is three passes over the pixels done in place
/// (sign, add, clamp to the box) instead of seven that each allocate a batch-sized tensor (PGD over the raw
/// forward+backward on examples/signs224: 0.88-0.91 with the seven, 0.92 with the three; bench (n)).
/// </summary>
/// <remarks><see cref="Narrow"/> frees the ball's tensors, so narrow only a ball built over tensors the attack owns.</remarks>
internal sealed class Ball
{
    private readonly Tensor? lower, upper;

    public Ball(Tensor clean, Norm norm, double epsilon)
    {
        Clean = clean;
        Norm = norm;
        Epsilon = epsilon;
        if (norm != Norm.LInf) return;
        // The same box ThreatModel.Project clamps to: |x - clean| <= eps, then [0,1].
        lower = clean.Minus(epsilon).ClampedBelow(0.0);
        upper = clean.Plus(epsilon).ClampedAbove(1.0);
    }

    public Tensor Clean { get; }

    public Norm Norm { get; }

    public double Epsilon { get; }

    /// <summary>
    /// Narrows <paramref name="ball"/> to the rows <paramref name="keep"/> (early stopping shrinks the batch): the new
    /// ball's tensors outlive the caller's dispose scope, as <see cref="Batch.Replace"/> does for a step's tensors, and
    /// the old ball's are freed.
    /// </summary>
    public static void Narrow(ref Ball ball, Tensor keep)
    {
        var narrowed = new Ball(ball.Clean.index_select(0, keep), ball.Norm, ball.Epsilon);
        foreach (var t in narrowed.Tensors()) t.MoveToOuterDisposeScope();
        foreach (var t in ball.Tensors()) t.Dispose();
        ball = narrowed;
    }

    private IEnumerable<Tensor> Tensors() => lower is null || upper is null ? [Clean] : [Clean, lower, upper];

    /// <summary>
    /// One projected steepest-ascent step of size <paramref name="alpha"/>: x &lt;- P(x + alpha d(g)). Overwrites
    /// <paramref name="x"/> and, under L-inf, <paramref name="gradient"/>; returns <paramref name="x"/> (L-inf) or a new
    /// tensor (L2), so callers keep the return value.
    /// </summary>
    public Tensor StepInPlace(Tensor x, Tensor gradient, double alpha)
    {
        if (lower is null || upper is null)
            return ThreatModel.Project(x.Plus(ThreatModel.Direction(gradient, Norm).Times(alpha)), Clean, Norm, Epsilon);
        using var size = alpha.ToScalar();
        // A gradient autograd hands back as a broadcast view (a sum straight over the pixels) cannot be overwritten.
        var direction = gradient.is_contiguous() ? gradient.sign_() : gradient.sign();
        return x.add_(direction, size).clamp_(lower, upper);
    }
}
