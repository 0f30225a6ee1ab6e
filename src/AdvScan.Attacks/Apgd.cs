using AdvScan.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks;

/// <summary>
/// Auto-PGD with cross-entropy loss (Croce &amp; Hein 2020, the step-size-free PGD of AutoAttack). Each example keeps its
/// own step size, starting at 2 eps, with momentum 0.75. At checkpoints w_j = p_j N (p_0 = 0, p_1 = 0.22,
/// p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06)) the step size halves and the iterate restarts from the best point
/// when fewer than 75% of the steps since the last checkpoint increased the loss, or when neither the step size nor
/// the best loss changed over the last interval. Fooled examples stop early and keep their fooling iterate.
/// </summary>
public sealed class Apgd : IEvasionAttack
{
    private const double Momentum = 0.75;
    private const double Rho = 0.75;

    public string Name => "apgd";
    public IReadOnlyList<Norm> Norms { get; } = [Norm.LInf, Norm.L2];
    public IReadOnlyList<string> Keys { get; } = [AttackKeys.Steps, AttackKeys.Restarts, AttackKeys.RandomStart, AttackKeys.TargetClass];

    public string Describe(AttackSettings s) => AttackKeys.Describe(s, AttackKeys.Invariant($"{s.Steps} iterations"), AttackKeys.Invariant($"{s.Restarts} restart(s)"));

    /// <summary>
    /// Checkpoint iterations, computed in whole iterations as the reference implementation does: the first interval is
    /// floor(0.22 N), and each next one is floor(0.03 N) shorter but at least floor(0.06 N). (Summing the fractions in
    /// floating point instead would move checkpoints by one where 0.57 becomes 0.5700000000000001.)
    /// </summary>
    public static IReadOnlyList<int> Checkpoints(int iterations)
    {
        int interval = Math.Max((int)(0.22 * iterations), 1);
        int decrement = Math.Max((int)(0.03 * iterations), 1);
        int minimum = Math.Max((int)(0.06 * iterations), 1);
        var checkpoints = new List<int>();
        for (int at = interval; at < iterations; interval = Math.Max(interval - decrement, minimum), at += interval)
            checkpoints.Add(at);
        return checkpoints;
    }

    public AttackBatchResult Attack(IDifferentiableClassifier model, Tensor pixels, Tensor labels, AttackSettings settings, CancellationToken cancellationToken = default) =>
        Run(model, pixels, labels, null, settings, cancellationToken);

    /// <summary>
    /// APGD on cross-entropy (<paramref name="targets"/> null) or, as APGD-T does, on the targeted DLR loss towards a
    /// per-example target class. Success is always misclassification (or the configured target class), as in AutoAttack:
    /// the target only steers the search.
    /// </summary>
    /// <param name="rowIds">The rows' positions in a larger batch of <paramref name="batchRows"/> examples, so each row
    /// draws the random start it would draw there (see <see cref="ThreatModel.RandomStart"/>); null: this batch alone.</param>
    internal AttackBatchResult Run(IDifferentiableClassifier model, Tensor pixels, Tensor labels, Tensor? targets, AttackSettings settings,
        CancellationToken cancellationToken = default, Tensor? rowIds = null, long batchRows = 0)
    {
        using var scope = torch.NewDisposeScope();
        long n = pixels.shape[0];
        int iterations = Math.Max(1, settings.Steps);
        var checkpoints = Checkpoints(iterations).ToHashSet();
        var generator = ThreatModel.Generator(settings.Seed);
        var result = pixels.clone();
        var fooled = torch.zeros([n], ScalarType.Bool, device: pixels.device);
        long gradients = 0;
        var view = new long[] { -1 }.Concat(Enumerable.Repeat(1L, (int)pixels.dim() - 1)).ToArray();

        for (int restart = 0; restart < settings.Restarts; restart++)
        {
            var active = fooled.logical_not().nonzero().flatten();
            if (active.numel() == 0) break;
            using var restartScope = torch.NewDisposeScope();
            var s = new State { Active = active, Clean = pixels.index_select(0, active), Labels = labels.index_select(0, active) };
            s.Targets = (targets ?? labels).index_select(0, active);
            s.X = settings.RandomStart
                ? ThreatModel.RandomStart(s.Clean, settings.Norm, settings.Epsilon, generator, (rowIds ?? Scalars.Arange(n, device: pixels.device)).index_select(0, active), rowIds is null ? n : batchRows)
                : s.Clean.clone();
            (s.Loss, s.Success, s.Grad) = Evaluate(model, s.X, s.Labels, targets is null ? null : s.Targets, settings.TargetClass);
            gradients += active.numel();
            s.Step = Scalars.Full([active.numel()], 2 * settings.Epsilon, ScalarType.Float32, device: pixels.device);
            s.XBest = s.X.clone();
            s.LossBest = s.Loss.clone();
            s.GradBest = s.Grad.clone();
            s.Previous = s.X.clone();
            s.Increases = torch.zeros([active.numel()], ScalarType.Float32, device: pixels.device);
            s.LossBestAtCheckpoint = s.LossBest.clone();
            s.ReducedAtCheckpoint = torch.ones([active.numel()], ScalarType.Bool, device: pixels.device);
            int lastCheckpoint = 0;

            for (int k = 0; k < iterations; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var iteration = torch.NewDisposeScope();
                var before = s.All();
                RecordFooled(result, fooled, s.Active, s.X, s.Success);
                var keep = s.Success.logical_not().nonzero().flatten();
                if (keep.numel() == 0) { s.Carry(iteration, before); break; }
                if (keep.numel() < s.Active.numel()) s.Select(keep);

                // z = P(x + eta * direction); x_next = P(x + a(z - x) + (1 - a)(x - x_prev)); no momentum on the first step.
                var eta = s.Step.reshape(view);
                var z = ThreatModel.Project(s.X.Plus(ThreatModel.Direction(s.Grad, settings.Norm) * eta), s.Clean, settings.Norm, settings.Epsilon);
                var next = k == 0 ? z : ThreatModel.Project(s.X.Plus((z - s.X).Times(Momentum)).Plus((s.X - s.Previous).Times(1 - Momentum)), s.Clean, settings.Norm, settings.Epsilon);
                s.Previous = s.X;
                s.X = next;
                var lossBefore = s.Loss;
                (s.Loss, s.Success, s.Grad) = Evaluate(model, s.X, s.Labels, targets is null ? null : s.Targets, settings.TargetClass);
                gradients += s.Active.numel();

                s.Increases = s.Increases.Plus(s.Loss.gt(lossBefore).to_type(ScalarType.Float32));
                var better = s.Loss.gt(s.LossBest);
                var mask = better.reshape(view);
                s.XBest = torch.where(mask, s.X, s.XBest);
                s.GradBest = torch.where(mask, s.Grad, s.GradBest);
                s.LossBest = torch.where(better, s.Loss, s.LossBest);

                if (checkpoints.Contains(k + 1))
                {
                    int interval = k + 1 - lastCheckpoint;
                    var tooFewIncreases = s.Increases.Less(Rho * interval);
                    var stalled = s.ReducedAtCheckpoint.logical_not().logical_and(s.LossBestAtCheckpoint.ge(s.LossBest));
                    var reduce = tooFewIncreases.logical_or(stalled);
                    s.Step = torch.where(reduce, s.Step.Over(2L), s.Step);
                    var reduceView = reduce.reshape(view);
                    s.X = torch.where(reduceView, s.XBest, s.X);
                    s.Grad = torch.where(reduceView, s.GradBest, s.Grad);
                    s.ReducedAtCheckpoint = reduce;
                    s.LossBestAtCheckpoint = s.LossBest.clone();
                    s.Increases = torch.zeros_like(s.Increases);
                    lastCheckpoint = k + 1;
                }
                s.Carry(iteration, before);
            }
            RecordFooled(result, fooled, s.Active, s.X, s.Success);
            // Not fooled: keep the highest-loss point found, the strongest evidence of robustness the attack has.
            var notFooled = s.Success.logical_not();
            var rows = s.Active.masked_select(notFooled);
            if (rows.numel() > 0) result.index_copy_(0, rows, s.XBest.index_select(0, notFooled.nonzero().flatten()));
        }
        return new AttackBatchResult(result.MoveToOuterDisposeScope(), fooled.MoveToOuterDisposeScope(), gradients, 0);
    }

    /// <summary>Per-example working tensors of one restart, carried from one iteration's dispose scope to the next.</summary>
    private sealed class State
    {
        public Tensor Active = null!, Clean = null!, Labels = null!, Targets = null!, X = null!, Previous = null!, Grad = null!, Loss = null!, Success = null!;
        public Tensor Step = null!, XBest = null!, LossBest = null!, GradBest = null!, Increases = null!, LossBestAtCheckpoint = null!, ReducedAtCheckpoint = null!;

        public Tensor[] All() => [Active, Clean, Labels, Targets, X, Previous, Grad, Loss, Success, Step, XBest, LossBest, GradBest, Increases, LossBestAtCheckpoint, ReducedAtCheckpoint];

        public void Select(Tensor keep)
        {
            Active = Active.index_select(0, keep); Clean = Clean.index_select(0, keep); Labels = Labels.index_select(0, keep);
            Targets = Targets.index_select(0, keep);
            X = X.index_select(0, keep); Previous = Previous.index_select(0, keep); Grad = Grad.index_select(0, keep);
            Loss = Loss.index_select(0, keep); Success = Success.index_select(0, keep); Step = Step.index_select(0, keep);
            XBest = XBest.index_select(0, keep); LossBest = LossBest.index_select(0, keep); GradBest = GradBest.index_select(0, keep);
            Increases = Increases.index_select(0, keep); LossBestAtCheckpoint = LossBestAtCheckpoint.index_select(0, keep);
            ReducedAtCheckpoint = ReducedAtCheckpoint.index_select(0, keep);
        }

        /// <summary>
        /// Moves the state the iteration produced out of its scope and frees the state it replaced, so memory stays
        /// flat however many iterations run; everything else the iteration made dies with its scope.
        /// </summary>
        public void Carry(DisposeScope iteration, Tensor[] before)
        {
            var now = new HashSet<Tensor>(All(), ReferenceEqualityComparer.Instance);
            foreach (var t in now)
                if (iteration.Contains(t)) iteration.MoveToOuter(t);
            foreach (var t in new HashSet<Tensor>(before, ReferenceEqualityComparer.Instance))
                if (!now.Contains(t)) t.Dispose();
        }
    }

    /// <summary>Loss, success and input gradient: cross-entropy, or the targeted DLR loss when <paramref name="targets"/> is given.</summary>
    private static (Tensor Loss, Tensor Success, Tensor Gradient) Evaluate(IDifferentiableClassifier model, Tensor x, Tensor labels, Tensor? targets, int? targetClass)
    {
        if (targets is null) return ThreatModel.Evaluate(model, x, labels, targetClass);
        using var grad = torch.enable_grad();
        var input = x.detach().requires_grad_(true);
        var logits = model.Logits(input);
        var loss = Losses.TargetedDlr(logits, labels, targets);
        var gradient = torch.autograd.grad([loss.sum()], [input])[0];
        return (loss.detach(), ThreatModel.Success(logits.detach(), labels, targetClass), gradient.detach());
    }

    private static void RecordFooled(Tensor result, Tensor fooled, Tensor active, Tensor x, Tensor success)
    {
        var rows = active.masked_select(success);
        if (rows.numel() == 0) return;
        result.index_copy_(0, rows, x.index_select(0, success.nonzero().flatten()));
        fooled.index_fill_(0, rows, Scalars.True);
    }
}
