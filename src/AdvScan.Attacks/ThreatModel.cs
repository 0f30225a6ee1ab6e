using AdvScan.Engine;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Attacks;

/// <summary>The geometry shared by gradient attacks: steepest-ascent directions, projection, random starts, losses.</summary>
internal static class ThreatModel
{
    private const double Tiny = 1e-12;

    /// <summary>Per-example L2 norm over all but the batch dimension, shaped [N,1,1,1] for broadcasting.</summary>
    public static Tensor L2(Tensor t) =>
        t.flatten(1).Squared().sum(1).sqrt().reshape([t.shape[0], .. Enumerable.Repeat(1L, (int)t.dim() - 1)]);

    /// <summary>Steepest ascent direction of unit norm: sign(g) for L-inf, g/||g||2 for L2.</summary>
    public static Tensor Direction(Tensor gradient, Norm norm) =>
        norm == Norm.LInf ? gradient.sign() : gradient / L2(gradient).Plus(Tiny);

    /// <summary>Projects <paramref name="candidate"/> onto the eps-ball around <paramref name="clean"/> intersected with [0,1].</summary>
    public static Tensor Project(Tensor candidate, Tensor clean, Norm norm, double epsilon)
    {
        var delta = candidate - clean;
        if (norm == Norm.LInf)
            delta = delta.Clamped(-epsilon, epsilon);
        else
        {
            var factor = L2(delta).Plus(Tiny).DividedInto(epsilon).ClampedAbove(1.0);
            delta = delta * factor;
        }
        return clean.Plus(delta).Clamped(0.0, 1.0);
    }

    /// <summary>
    /// A uniformly random point in the ball (L-inf: uniform in the cube; L2: uniform direction, radius eps*u^(1/d)),
    /// drawn on the host from a seeded generator so CPU and CUDA runs start from the same point.
    /// </summary>
    /// <remarks>
    /// With <paramref name="rows"/>, the noise is drawn for a batch of <paramref name="total"/> examples and row
    /// rows[k] of it goes to clean[k]: an example then starts from the same point whichever other examples share its
    /// batch, so an ensemble that attacks only the examples still standing gives each the start it would get alone.
    /// </remarks>
    public static Tensor RandomStart(Tensor clean, Norm norm, double epsilon, Generator generator, Tensor? rows = null, long total = 0)
    {
        var shape = rows is null ? clean.shape : [total, .. clean.shape[1..]];
        Tensor delta;
        if (norm == Norm.LInf)
            delta = torch.rand(shape, ScalarType.Float32, generator: generator).Times(2L).Minus(1L).Times(epsilon);
        else
        {
            var gaussian = torch.randn(shape, ScalarType.Float32, generator: generator);
            long dims = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            var radius = torch.rand([shape[0]], ScalarType.Float32, generator: generator).Power(1.0 / dims).Times(epsilon);
            delta = gaussian / L2(gaussian).Plus(Tiny) * radius.reshape([shape[0], .. Enumerable.Repeat(1L, shape.Length - 1)]);
        }
        if (rows is not null) delta = delta.index_select(0, rows.cpu());
        return clean.Plus(delta.to(clean.device)).Clamped(0.0, 1.0);
    }

    /// <summary>
    /// Per-example loss the attacker ascends: cross-entropy of the true label (untargeted) or minus cross-entropy of
    /// the target (targeted).
    /// </summary>
    public static Tensor Loss(Tensor logits, Tensor labels, int? target)
    {
        if (target is null) return F.cross_entropy(logits, labels, reduction: nn.Reduction.None);
        using var targets = Scalars.Full(labels.shape, (long)target.Value, ScalarType.Int64, device: labels.device);
        return -F.cross_entropy(logits, targets, reduction: nn.Reduction.None);
    }

    /// <summary>Whether each example is fooled: misclassified (untargeted) or classified as the target (targeted).</summary>
    public static Tensor Success(Tensor logits, Tensor labels, int? target)
    {
        var predicted = logits.argmax(1);
        return target is null ? predicted.ne(labels) : predicted.EqualTo(target.Value);
    }

    /// <summary>Loss, success and input gradient in one forward/backward; weights are never differentiated.</summary>
    public static (Tensor Loss, Tensor Success, Tensor Gradient) Evaluate(IDifferentiableClassifier model, Tensor x, Tensor labels, int? target)
    {
        using var grad = torch.enable_grad();
        var input = x.detach().requires_grad_(true);
        var logits = model.Logits(input);
        var loss = Loss(logits, labels, target);
        var gradient = torch.autograd.grad([loss.sum()], [input])[0];
        return (loss.detach(), Success(logits.detach(), labels, target), gradient.detach());
    }

    public static Generator Generator(long seed) => new((ulong)seed);
}
