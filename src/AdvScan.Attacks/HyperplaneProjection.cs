using AdvScan.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks;

/// <summary>
/// The step FAB is built on: per example, the smallest perturbation d (in L-inf or L2) that puts p + d on the
/// hyperplane w.z = b while p + d stays in the [0,1] box. Both norms have the same shape of answer: d(t) = clip(t s, -p,
/// 1 - p), with s = sign(c) sign(w) (L-inf) or sign(c) w (L2) and c = b - w.p, where w.d(t) grows monotonically with t; so
/// t is found by bisection between the unclipped solution (a lower bound) and full saturation. Where even the far
/// corner of the box does not reach the plane, the corner is returned: the closest the box allows.
/// </summary>
/// <remarks>
/// Computed in float64: the bisection's last bits decide whether a borderline example lands on the adversarial side.
/// 50 halvings of the bracket leave a relative error far below float32's, at a cost (a clip and a dot product on [N, D]
/// each) that is small beside the classifier's forward and backward pass.
/// </remarks>
internal static class HyperplaneProjection
{
    private const int Halvings = 50;
    private const double Tiny = 1e-30;

    /// <param name="points">[N, D] points in [0,1].</param>
    /// <param name="w">[N, D] plane normals.</param>
    /// <param name="b">[N] offsets.</param>
    /// <returns>[N, D] perturbations, float32.</returns>
    public static Tensor Project(Tensor points, Tensor w, Tensor b, Norm norm)
    {
        using var scope = torch.NewDisposeScope();
        var p = points.to_type(ScalarType.Float64);
        var wd = w.to_type(ScalarType.Float64);
        var c = b.to_type(ScalarType.Float64) - (wd * p).sum(1);
        var sign = c.sign().unsqueeze(1);
        var direction = norm == Norm.LInf ? wd.sign() * sign : wd * sign;
        var lower = -p;
        var upper = p.SubtractedFrom(1L);
        Tensor At(Tensor t) => torch.minimum(torch.maximum(t.unsqueeze(1) * direction, lower), upper);

        var need = c.abs();
        // The unclipped solution: clipping only lowers how far w.d(t) gets, so the answer's t is at least this.
        var scale = norm == Norm.LInf ? wd.abs().sum(1) : wd.Squared().sum(1);
        var lo = need / scale.Plus(Tiny);
        // Saturation: beyond hi every coordinate with w_j != 0 sits on the box, so w.d(t) stops growing.
        var nonzero = direction.abs().Greater(0L);
        var hi = norm == Norm.LInf
            ? torch.ones_like(lo)
            : torch.where(nonzero, direction.abs().Plus(Tiny).DividedInto(1.0), torch.zeros_like(direction)).amax(1);
        hi = torch.maximum(hi, lo);
        var corner = At(hi);
        var reachable = (wd * corner).sum(1).abs().ge(need);
        // Bisection on log t for L2, whose bracket can span many orders of magnitude; on t itself for L-inf (t <= 1).
        bool logarithmic = norm == Norm.L2;
        var a = logarithmic ? lo.Plus(Tiny).log() : lo.clone();
        var z = logarithmic ? hi.Plus(Tiny).log() : hi.clone();
        for (int k = 0; k < Halvings; k++)
        {
            using var step = torch.NewDisposeScope();
            var mid = a.Plus(z).Over(2L);
            var reached = (wd * At(logarithmic ? mid.exp() : mid)).sum(1).abs().ge(need);
            var nextA = torch.where(reached, a, mid);
            var nextZ = torch.where(reached, mid, z);
            a.Dispose(); z.Dispose();
            a = nextA.MoveToOuterDisposeScope();
            z = nextZ.MoveToOuterDisposeScope();
        }
        // The upper end of the bracket is always on the plane's far side (or on it): the step never falls short.
        var t = logarithmic ? z.exp() : z;
        var d = torch.where(reachable.unsqueeze(1), At(t), corner);
        // A plane through the point itself (c = 0) or a zero gradient needs no move.
        d = torch.where(need.Greater(0L).logical_and(scale.Greater(0L)).unsqueeze(1), d, torch.zeros_like(d));
        return d.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
