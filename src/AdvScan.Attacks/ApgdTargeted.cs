using AdvScan.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks;

/// <summary>
/// APGD-T (Croce &amp; Hein 2020): APGD on the targeted DLR loss, run once per target class, the classes taken in order
/// of the clean logits (the most likely wrong class first, up to <see cref="TargetClasses"/> of them, 9 in AutoAttack),
/// each run only on the examples the earlier targets left standing. An example counts as fooled when misclassified,
/// whichever class it lands in: the target only steers the search away from cross-entropy's blind spots. With a
/// configured target class, that class alone is attacked and success means reaching it.
/// </summary>
public sealed class ApgdTargeted : IEvasionAttack
{
    public string Name => "apgd-t";
    public IReadOnlyList<Norm> Norms { get; } = [Norm.LInf, Norm.L2];
    public IReadOnlyList<string> Keys { get; } = [AttackKeys.Steps, AttackKeys.RandomStart, AttackKeys.TargetClass];

    /// <summary>AutoAttack's 100 iterations per target class.</summary>
    public AttackDefaults Defaults { get; } = new(Steps: 100);

    public string Describe(AttackSettings s) => AttackKeys.Describe(s, "targeted DLR loss",
        s.TargetClass is null ? AttackKeys.Invariant($"top {TargetClasses} wrong classes") : "one target",
        AttackKeys.Invariant($"{s.Steps} iterations per target"));

    /// <summary>How many of the most likely wrong classes are tried as targets (AutoAttack: 9).</summary>
    public int TargetClasses { get; init; } = 9;

    public AttackBatchResult Attack(IDifferentiableClassifier model, Tensor pixels, Tensor labels, AttackSettings settings, CancellationToken cancellationToken = default) =>
        Run(model, pixels, labels, settings, null, 0, cancellationToken);

    /// <param name="rowIds">The rows' positions in the caller's batch of <paramref name="batchRows"/> examples: each row
    /// then gets the random starts it would get if the whole batch were attacked (an ensemble passes the rows still standing).</param>
    internal AttackBatchResult Run(IDifferentiableClassifier model, Tensor pixels, Tensor labels, AttackSettings settings, Tensor? rowIds, long batchRows,
        CancellationToken cancellationToken = default)
    {
        using var scope = torch.NewDisposeScope();
        var apgd = new Apgd();
        if (settings.TargetClass is { } t)
        {
            using var targets = Scalars.Full(labels.shape, (long)t, ScalarType.Int64, device: labels.device);
            var single = apgd.Run(model, pixels, labels, targets, settings, cancellationToken, rowIds, batchRows);
            return new AttackBatchResult(single.Adversarial.MoveToOuterDisposeScope(), single.Fooled.MoveToOuterDisposeScope(), single.GradientEvaluations, 0);
        }
        long n = pixels.shape[0];
        var all = TargetRounds.Run(model, pixels, TargetClasses, (active, targets, k) =>
        {
            var ids = rowIds is null ? active : rowIds.index_select(0, active);
            return apgd.Run(model, pixels.index_select(0, active), labels.index_select(0, active), targets,
                settings with { Seed = settings.Seed + 104729L * k }, cancellationToken, ids, rowIds is null ? n : batchRows);
        }, cancellationToken);
        return new AttackBatchResult(all.Adversarial.MoveToOuterDisposeScope(), all.Fooled.MoveToOuterDisposeScope(), all.GradientEvaluations, 0);
    }
}
