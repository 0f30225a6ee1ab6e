using AdvScan.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks;

/// <summary>
/// Carlini-Wagner L2 (2017): the minimal-perturbation attack. Optimises w in tanh space, x' = (tanh(w) + 1) / 2, to
/// minimise ||x' - x||_2^2 + c * max(Z_y - max_{i != y} Z_i, -kappa) (targeted: max_{i != t} Z_i - Z_t) with Adam,
/// and binary-searches c per example. It reports, per example, the smallest-norm adversarial example it found;
/// an example counts as fooled within budget when that norm is at most eps.
/// </summary>
public sealed class CarliniWagner : IEvasionAttack
{
    public string Name => "cw";
    public IReadOnlyList<Norm> Norms { get; } = [Norm.L2];
    public IReadOnlyList<string> Keys { get; } = [AttackKeys.Steps, AttackKeys.StepSize, AttackKeys.TargetClass];

    /// <summary>
    /// Adam spends its steps per binary-search step, and on mnist-cnn needs about 100 of them to match PGD-L2 at the
    /// same budget (40 leave it far weaker).
    /// </summary>
    public AttackDefaults Defaults { get; } = new(Steps: 100);

    public string Describe(AttackSettings s) => AttackKeys.Describe(s, AttackKeys.Invariant($"{s.Steps} Adam steps per binary-search step"));

    /// <summary>Binary search steps over c; with <see cref="AttackSettings.Steps"/> Adam steps each.</summary>
    public int BinarySearchSteps { get; init; } = 5;
    public double InitialConstant { get; init; } = 1.0;
    /// <summary>Adam's learning rate in tanh space, unless <see cref="AttackSettings.StepSize"/> sets one. The paper's 0.01
    /// assumes thousands of steps; at 100 steps 0.1 finds norms as small as PGD-L2's at a tenth of the cost of 0.01.</summary>
    public double LearningRate { get; init; } = 0.1;
    public double Confidence { get; init; }

    public AttackBatchResult Attack(IDifferentiableClassifier model, Tensor pixels, Tensor labels, AttackSettings settings, CancellationToken cancellationToken = default)
    {
        if (settings.Norm != Norm.L2) throw new InvalidInputException(null, "the cw attack is an L2 attack: set its norm to l2");
        using var scope = torch.NewDisposeScope();
        long n = pixels.shape[0];
        var device = pixels.device;
        var lower = torch.zeros([n], ScalarType.Float64, device: device);
        var upper = Scalars.Full([n], 1e10, ScalarType.Float64, device: device);
        var constant = Scalars.Full([n], InitialConstant, ScalarType.Float64, device: device);
        var bestNorm = Scalars.Full([n], double.PositiveInfinity, ScalarType.Float32, device: device);
        var best = pixels.clone();
        // atanh of the clean image, shrunk away from +-1 so it stays finite at black and white pixels.
        var w0 = pixels.Times(2L).Minus(1L).Clamped(-1 + 1e-6, 1 - 1e-6).atanh();
        long gradients = 0;
        int classes = -1;

        for (int search = 0; search < BinarySearchSteps; search++)
        {
            using var searchScope = torch.NewDisposeScope();
            var w = new TorchSharp.Modules.Parameter(w0.clone(), requires_grad: true);
            using var optimizer = new ScalarFreeAdam([w], settings.StepSize ?? LearningRate);
            var foundThisRound = torch.zeros([n], ScalarType.Bool, device: device);
            var c = constant.to_type(ScalarType.Float32);
            for (int step = 0; step < Math.Max(1, settings.Steps); step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var stepScope = torch.NewDisposeScope();
                optimizer.zero_grad();
                Tensor logits, adversarial, distance;
                using (torch.enable_grad())
                {
                    adversarial = w.tanh().Plus(1L).Over(2L);
                    logits = model.Logits(adversarial);
                    classes = (int)logits.shape[1];
                    distance = (adversarial - pixels).flatten(1).Squared().sum(1);
                    var margin = Margin(logits, labels, settings.TargetClass, classes);
                    var loss = distance.Plus(c * margin.ClampedBelow(-Confidence));
                    loss.sum().backward();
                }
                optimizer.step();
                gradients += n;
                using (torch.no_grad())
                {
                    var success = ThreatModel.Success(logits.detach(), labels, settings.TargetClass);
                    var norm = distance.detach().sqrt();
                    var improved = success.logical_and(norm.lt(bestNorm));
                    bestNorm = torch.where(improved, norm, bestNorm).MoveToOuterDisposeScope();
                    var rows = improved.nonzero().flatten();
                    if (rows.numel() > 0) best.index_copy_(0, rows, adversarial.detach().index_select(0, rows));
                    foundThisRound = foundThisRound.logical_or(success).MoveToOuterDisposeScope();
                }
            }
            // Found: try a smaller c (less weight on fooling, more on distance); not found: a larger one.
            upper = torch.where(foundThisRound, torch.minimum(upper, constant), upper).MoveToOuterDisposeScope();
            lower = torch.where(foundThisRound, lower, torch.maximum(lower, constant)).MoveToOuterDisposeScope();
            constant = torch.where(upper.Less(1e9), lower.Plus(upper).Over(2L), constant.Times(10L)).MoveToOuterDisposeScope();
            bestNorm.MoveToOuterDisposeScope();
        }
        var fooledWithinBudget = bestNorm.LessOrEqual(settings.Epsilon);
        // Within budget: the minimal example; otherwise the clean input (nothing within eps fooled it).
        var mask = fooledWithinBudget.reshape([-1, .. Enumerable.Repeat(1L, (int)pixels.dim() - 1)]);
        var adversarialOut = torch.where(mask, best, pixels);
        return new AttackBatchResult(adversarialOut.MoveToOuterDisposeScope(), fooledWithinBudget.MoveToOuterDisposeScope(), gradients, 0)
        {
            MinimalL2 = TensorConversion.ToHostFloats(bestNorm),
        };
    }

    private static Tensor Margin(Tensor logits, Tensor labels, int? target, int classes)
    {
        var reference = target is null ? labels : Scalars.Full(labels.shape, (long)target.Value, ScalarType.Int64, device: labels.device);
        var oneHot = torch.nn.functional.one_hot(reference, classes).to_type(ScalarType.Bool);
        var referenceLogit = logits.masked_select(oneHot).reshape(-1);
        var otherMax = logits.Filled(oneHot, float.NegativeInfinity).amax([1L]);
        return target is null ? referenceLogit - otherMax : otherMax - referenceLogit;
    }
}
