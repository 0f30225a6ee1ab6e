using static TorchSharp.torch;

namespace AdvScan.Attacks;

/// <summary>
/// The outcome of attacking one batch. <see cref="Adversarial"/> holds, per example, the fooling example found (or the
/// strongest non-fooling one); <see cref="Fooled"/> says whether the differentiable graph was fooled by it. Whether the
/// deployed model is fooled is decided afterwards by ONNX Runtime.
/// </summary>
public sealed record AttackBatchResult(Tensor Adversarial, Tensor Fooled, long GradientEvaluations, long Queries)
{
    /// <summary>Minimal-perturbation attacks (C&amp;W): per example, the smallest adversarial L2 norm found, infinity if none.</summary>
    public float[]? MinimalL2 { get; init; }
}

/// <summary>
/// A white-box evasion attack. A new attack plugs in by implementing this and registering it in DI
/// (<see cref="AttackServiceCollectionExtensions.AddAdvScanAttacks"/>); the scan finds it by <see cref="IAttackInfo.Name"/>.
/// </summary>
public interface IEvasionAttack : IAttackInfo
{
    /// <param name="pixels">Clean examples, [N,C,H,W] in [0,1], on the model's device.</param>
    /// <param name="labels">True labels, int64 [N].</param>
    AttackBatchResult Attack(IDifferentiableClassifier model, Tensor pixels, Tensor labels, AttackSettings settings, CancellationToken cancellationToken = default);
}

/// <summary>A black-box attack that only sees scores (e.g. ONNX Runtime outputs).</summary>
public interface IScoreBasedAttack : IAttackInfo
{
    /// <summary><see cref="AttackAccess.Labels"/> for an attack that reads only the predicted class, else <see cref="AttackAccess.Scores"/>.</summary>
    AttackAccess Access => AttackAccess.Scores;

    /// <summary>Attacks host examples; returns adversarial pixels, whether each fooled the oracle, and queries used per example.</summary>
    ScoreAttackResult Attack(IScoreOracle oracle, float[] pixels, long[] shape, int[] labels, AttackSettings settings, CancellationToken cancellationToken = default);
}

public sealed record ScoreAttackResult(float[] Adversarial, bool[] Fooled, int[] QueriesUsed);
