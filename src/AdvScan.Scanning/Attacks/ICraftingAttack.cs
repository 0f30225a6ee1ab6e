using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;

namespace AdvScan.Scanning.Attacks;

/// <summary>
/// An attack as the scanner runs it: it prepares a <see cref="Craft"/> for one configured run, and every example it
/// crafts is then judged by ONNX Runtime in <see cref="RobustnessEvaluation"/>. White-box (<see cref="IEvasionAttack"/>)
/// and score-based (<see cref="IScoreBasedAttack"/>) attacks are adapted to this by the scanner; an attack that needs
/// more than the target (transfer needs a surrogate model) registers its own implementation.
/// </summary>
public interface ICraftingAttack : IAttackInfo
{
    /// <summary>What the attack sees of the target (gradients, scores, labels) or whether it crafts on a surrogate.</summary>
    AttackAccess Access { get; }

    /// <summary>Whether the attack crafts on the target's own differentiable graph (which the scanner then imports).</summary>
    bool NeedsTargetGraph => Access == AttackAccess.Gradients;

    /// <summary>Prepares crafting for one run; the result is disposed when the run ends (a surrogate's graph, say).</summary>
    PreparedCraft Prepare(AttackRun run);
}

/// <summary>
/// A prepared attack: how to craft, and whether the crafting model is a surrogate (its verdicts then measure transfer,
/// not runtime disagreement).
/// </summary>
public sealed class PreparedCraft(Craft craft, bool transfer = false, IDisposable? resources = null) : IDisposable
{
    public Craft Craft { get; } = craft;
    public bool Transfer { get; } = transfer;
    public void Dispose() => resources?.Dispose();
}

/// <summary>Everything one run of one attack over one dataset needs (what used to be eleven parameters).</summary>
/// <param name="Graph">The target's imported graph; only called by attacks that <see cref="ICraftingAttack.NeedsTargetGraph"/>.</param>
public sealed record AttackRun(
    string Id,
    AttackSettings Settings,
    IReadOnlyList<double> Epsilons,
    OnnxModel Model,
    Func<OnnxGraph> Graph,
    ReferenceSession Runtime,
    OpenedDataset Dataset,
    string Device,
    IEnumerable<LabeledBatch> Batches)
{
    public IProgress<int>? Progress { get; init; }
    /// <summary>Called for every correctly classified example, in data order, with its outcome at the largest budget.</summary>
    public Action<ExampleOutcome>? Observe { get; init; }
    public CancellationToken CancellationToken { get; init; }
}
