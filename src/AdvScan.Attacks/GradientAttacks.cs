using AdvScan.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks;

/// <summary>Fast Gradient Sign Method (Goodfellow et al. 2015): one step of size eps along the gradient's sign (L-inf) or normalised gradient (L2, "FGM").</summary>
public sealed class Fgsm : IEvasionAttack
{
    public string Name => "fgsm";
    public IReadOnlyList<Norm> Norms { get; } = [Norm.LInf, Norm.L2];
    public IReadOnlyList<string> Keys { get; } = [AttackKeys.TargetClass];

    public string Describe(AttackSettings settings) => AttackKeys.Describe(settings, "single step");

    public AttackBatchResult Attack(IDifferentiableClassifier model, Tensor pixels, Tensor labels, AttackSettings settings, CancellationToken cancellationToken = default)
    {
        using var scope = torch.NewDisposeScope();
        var (_, cleanSuccess, gradient) = ThreatModel.Evaluate(model, pixels, labels, settings.TargetClass);
        // Targeted: descend the target's cross-entropy, which is what ascending its negative does.
        var step = ThreatModel.Direction(gradient, settings.Norm).Times(settings.Epsilon);
        var adversarial = ThreatModel.Project(pixels.Plus(step), pixels, settings.Norm, settings.Epsilon);
        Tensor fooled;
        using (torch.no_grad()) fooled = ThreatModel.Success(model.Logits(adversarial), labels, settings.TargetClass);
        // An example already fooled when clean stays clean: the perturbation is not needed.
        var mask = cleanSuccess.reshape([-1, .. Enumerable.Repeat(1L, (int)pixels.dim() - 1)]);
        adversarial = torch.where(mask, pixels, adversarial);
        fooled = fooled.logical_or(cleanSuccess);
        return new AttackBatchResult(adversarial.MoveToOuterDisposeScope(), fooled.MoveToOuterDisposeScope(), pixels.shape[0], 0);
    }
}

/// <summary>Keeps per-step working tensors alive past a step's dispose scope and frees the ones they replace.</summary>
internal static class Batch
{
    public static void Replace(ref Tensor field, Tensor value)
    {
        // A step done in place returns the tensor it stepped.
        if (ReferenceEquals(field, value)) return;
        value.MoveToOuterDisposeScope();
        field.Dispose();
        field = value;
    }
}

/// <summary>
/// Projected Gradient Descent (Madry et al. 2018) under L-inf or L2, with random start and restarts. Examples stop
/// as soon as they are fooled (early stopping per example), and the first fooling iterate is kept; for examples never
/// fooled, the iterate with the highest loss over all restarts is kept.
/// </summary>
public sealed class Pgd : IEvasionAttack
{
    public string Name => "pgd";
    public IReadOnlyList<Norm> Norms { get; } = [Norm.LInf, Norm.L2];
    public IReadOnlyList<string> Keys { get; } = [AttackKeys.Steps, AttackKeys.StepSize, AttackKeys.Restarts, AttackKeys.RandomStart, AttackKeys.TargetClass];

    public string Describe(AttackSettings s) => AttackKeys.Describe(s,
        AttackKeys.Invariant($"{s.Steps} steps"), s.StepSize is { } size ? AttackKeys.Invariant($"step size {size}") : "default step size",
        AttackKeys.Invariant($"{s.Restarts} restart(s)"), s.RandomStart ? "random start" : "no random start");

    /// <summary>
    /// Whether fooled examples leave the batch (the default). Off, every example takes every step, which finds the same
    /// examples (a fooled example's first fooling iterate is kept either way) at the full cost: the baseline the
    /// benchmark measures early stopping against.
    /// </summary>
    public bool EarlyStopping { get; init; } = true;

    public AttackBatchResult Attack(IDifferentiableClassifier model, Tensor pixels, Tensor labels, AttackSettings settings, CancellationToken cancellationToken = default)
    {
        using var scope = torch.NewDisposeScope();
        long n = pixels.shape[0];
        double alpha = settings.StepSize ?? 2.5 * settings.Epsilon / Math.Max(1, settings.Steps);
        var generator = ThreatModel.Generator(settings.Seed);
        var best = pixels.clone();
        var bestLoss = Scalars.Full([n], double.NegativeInfinity, ScalarType.Float32, device: pixels.device);
        var fooled = torch.zeros([n], ScalarType.Bool, device: pixels.device);
        long gradients = 0;

        for (int restart = 0; restart < settings.Restarts; restart++)
        {
            var active = fooled.logical_not().nonzero().flatten();
            if (active.numel() == 0) break;
            var ball = new Ball(pixels.index_select(0, active), settings.Norm, settings.Epsilon);
            var y = labels.index_select(0, active);
            var x = settings.RandomStart ? ThreatModel.RandomStart(ball.Clean, settings.Norm, settings.Epsilon, generator) : ball.Clean.clone();

            for (int step = 0; step <= settings.Steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var stepScope = torch.NewDisposeScope();
                var (loss, success, gradient) = ThreatModel.Evaluate(model, x, y, settings.TargetClass);
                gradients += active.numel();
                // An example's first fooling iterate is its result. Without early stopping, fooled examples keep
                // stepping, and a later iterate of theirs must not replace it.
                var newlyFooled = EarlyStopping ? success : success.logical_and(fooled.index_select(0, active).logical_not());
                var rows = active.masked_select(newlyFooled);
                if (rows.numel() > 0)
                {
                    best.index_copy_(0, rows, x.index_select(0, newlyFooled.nonzero().flatten()));
                    fooled.index_fill_(0, rows, Scalars.True);
                }
                if (step == settings.Steps)
                {
                    (x, loss) = Reaim(model, x, loss, ball.Clean, y, gradient, active, best, fooled, settings);
                    // The last iterate of a restart that did not fool: kept if its loss beats the other restarts'.
                    var stronger = fooled.index_select(0, active).logical_not().logical_and(loss > bestLoss.index_select(0, active));
                    var strongerRows = active.masked_select(stronger);
                    if (strongerRows.numel() > 0)
                    {
                        best.index_copy_(0, strongerRows, x.index_select(0, stronger.nonzero().flatten()));
                        bestLoss.index_copy_(0, strongerRows, loss.masked_select(stronger));
                    }
                    break;
                }

                if (!EarlyStopping)
                {
                    Batch.Replace(ref x, ball.StepInPlace(x, gradient, alpha));
                    continue;
                }
                // Early stopping: fooled examples leave the batch and stop costing compute.
                var keep = success.logical_not().nonzero().flatten();
                if (keep.numel() == 0) break;
                var direction = gradient;
                if (keep.numel() < success.numel())
                {
                    Ball.Narrow(ref ball, keep);
                    Batch.Replace(ref x, x.index_select(0, keep));
                    direction = gradient.index_select(0, keep);
                    Batch.Replace(ref y, y.index_select(0, keep));
                    Batch.Replace(ref active, active.index_select(0, keep));
                }
                Batch.Replace(ref x, ball.StepInPlace(x, direction, alpha));
            }
        }
        return new AttackBatchResult(best.MoveToOuterDisposeScope(), fooled.MoveToOuterDisposeScope(), gradients, 0);
    }

    /// <summary>
    /// The last move of a restart: spend the whole budget from the clean point along the last gradient, P(x0 + eps d(g)).
    /// A projected step of size alpha shrinks the random start's component orthogonal to the gradient only by a factor
    /// eps / (eps + alpha) per step under L2, so with the default 2.5 eps / steps the iterate ends a few percent short of
    /// eps along the gradient, and examples whose margin lies just inside the budget survive: robustness overstated by
    /// over a point on a linear model with crowded margins. The re-aimed point is the exact optimum of a linear model
    /// (L2 and L-inf) and the FGSM/FGM step from the clean point at the local gradient otherwise; it replaces the last
    /// iterate only where it fools or has a higher loss, so the attack can only get stronger. One forward pass per
    /// example and restart; examples fooled here are recorded in <paramref name="best"/> and <paramref name="fooled"/>.
    /// </summary>
    private static (Tensor X, Tensor Loss) Reaim(IDifferentiableClassifier model, Tensor x, Tensor loss, Tensor clean, Tensor y, Tensor gradient,
        Tensor active, Tensor best, Tensor fooled, AttackSettings settings)
    {
        if (settings.Epsilon <= 0) return (x, loss);
        var candidate = ThreatModel.Project(clean.Plus(ThreatModel.Direction(gradient, settings.Norm).Times(settings.Epsilon)), clean, settings.Norm, settings.Epsilon);
        Tensor candidateLoss, candidateSuccess;
        using (torch.no_grad())
        {
            var logits = model.Logits(candidate);
            candidateLoss = ThreatModel.Loss(logits, y, settings.TargetClass);
            candidateSuccess = ThreatModel.Success(logits, y, settings.TargetClass);
        }
        var open = fooled.index_select(0, active).logical_not();
        var fools = candidateSuccess.logical_and(open);
        var rows = active.masked_select(fools);
        if (rows.numel() > 0)
        {
            best.index_copy_(0, rows, candidate.index_select(0, fools.nonzero().flatten()));
            fooled.index_fill_(0, rows, Scalars.True);
        }
        var better = candidateLoss > loss;
        var view = better.reshape([-1, .. Enumerable.Repeat(1L, (int)x.dim() - 1)]);
        return (torch.where(view, candidate, x), torch.where(better, candidateLoss, loss));
    }

    /// <summary>
    /// The inner maximisation of PGD adversarial training (Madry et al. 2018): every example takes all
    /// <see cref="AttackSettings.Steps"/> signed-gradient (or L2-normalised) steps from its (random) start, and the last
    /// iterate is returned. Unlike <see cref="Attack"/> there is no early stopping and no restart: training wants points
    /// of high loss, not merely the first one that fools, and every example in a batch costs the same.
    /// </summary>
    /// <remarks>
    /// Only input gradients are taken (<c>torch.autograd.grad</c> with respect to the pixels), so no weight gradient is
    /// accumulated; a trainer should still freeze its parameters around the call so libtorch skips their backward work.
    /// The random start is drawn from <see cref="AttackSettings.Seed"/>: vary it per batch.
    /// </remarks>
    /// <returns>Adversarial pixels, same shape as <paramref name="pixels"/>, inside the eps-ball and [0,1], detached.</returns>
    public static Tensor Craft(IDifferentiableClassifier model, Tensor pixels, Tensor labels, AttackSettings settings, CancellationToken cancellationToken = default)
    {
        using var scope = torch.NewDisposeScope();
        double alpha = settings.StepSize ?? 2.5 * settings.Epsilon / Math.Max(1, settings.Steps);
        var ball = new Ball(pixels.detach(), settings.Norm, settings.Epsilon);
        var x = settings.RandomStart && settings.Epsilon > 0
            ? ThreatModel.RandomStart(ball.Clean, settings.Norm, settings.Epsilon, ThreatModel.Generator(settings.Seed))
            : ball.Clean.clone();
        for (int step = 0; step < settings.Steps && settings.Epsilon > 0; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var stepScope = torch.NewDisposeScope();
            var (_, _, gradient) = ThreatModel.Evaluate(model, x, labels, settings.TargetClass);
            Batch.Replace(ref x, ball.StepInPlace(x, gradient, alpha));
        }
        return x.detach().MoveToOuterDisposeScope();
    }
}
