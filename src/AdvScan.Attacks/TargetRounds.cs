using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks;

/// <summary>
/// The target schedule AutoAttack's targeted members share (APGD-T, FAB-T): one round per target, the target of round k
/// being each example's (k+1)-th most likely class under the clean logits (for a correctly classified example, its
/// k-th most likely wrong class), each round run only on the examples earlier rounds left standing. Every row takes
/// each round's point, so a row never fooled ends with its last round's strongest point.
/// </summary>
internal static class TargetRounds
{
    /// <param name="round">Attacks the rows <c>active</c> (indices into the batch) towards <c>targets</c> in round <c>k</c>.</param>
    public static AttackBatchResult Run(IDifferentiableClassifier model, Tensor pixels, int targetClasses,
        Func<Tensor, Tensor, int, AttackBatchResult> round, CancellationToken cancellationToken)
    {
        using var scope = torch.NewDisposeScope();
        long n = pixels.shape[0];
        Tensor order;
        using (torch.no_grad()) order = model.Logits(pixels).argsort(1, descending: true);
        var result = pixels.clone();
        var fooled = torch.zeros([n], ScalarType.Bool, device: pixels.device);
        long gradients = 0;
        int count = Math.Min(targetClasses, (int)order.shape[1] - 1);
        for (int k = 0; k < count; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var roundScope = torch.NewDisposeScope();
            var active = fooled.logical_not().nonzero().flatten();
            if (active.numel() == 0) break;
            var targets = order.index_select(0, active).select(1, k + 1).contiguous();
            var r = round(active, targets, k);
            gradients += r.GradientEvaluations;
            result.index_copy_(0, active, r.Adversarial);
            fooled.index_copy_(0, active, r.Fooled);
        }
        return new AttackBatchResult(result.MoveToOuterDisposeScope(), fooled.MoveToOuterDisposeScope(), gradients, 0);
    }
}
