using AdvScan.Attacks;

namespace AdvScan.Scanning.Attacks;

/// <summary>A registered <see cref="IEvasionAttack"/> run by the scanner: crafted on the target's graph, judged by ONNX Runtime.</summary>
internal sealed class WhiteBoxAttack(IEvasionAttack attack) : RegisteredAttack(attack)
{
    public override AttackAccess Access => AttackAccess.Gradients;

    public override PreparedCraft Prepare(AttackRun run) => new(RobustnessEvaluation.WhiteBox(attack, run.Graph(), run.Dataset.Mapping));
}

/// <summary>A registered <see cref="IScoreBasedAttack"/> run by the scanner: it queries ONNX Runtime itself.</summary>
internal sealed class ScoreBasedAttack(IScoreBasedAttack attack) : RegisteredAttack(attack)
{
    public override AttackAccess Access => attack.Access;

    public override PreparedCraft Prepare(AttackRun run) =>
        new(RobustnessEvaluation.BlackBox(attack, new RuntimeOracle(run.Runtime, run.Dataset.Mapping.ToModelInputHost)));
}

/// <summary>An attack registered through its own interface, speaking for itself: every fact is the attack's.</summary>
internal abstract class RegisteredAttack(IAttackInfo info) : ICraftingAttack
{
    /// <summary>The registered attack's own type (a plug-in's), which the verdict cache keys on.</summary>
    public Type Implementation => info.GetType();

    public string Name => info.Name;
    public IReadOnlyList<Norm> Norms => info.Norms;
    public Norm DefaultNorm => info.DefaultNorm;
    public AttackDefaults Defaults => info.Defaults;
    public IReadOnlyList<string> Keys => info.Keys;
    public string Describe(AttackSettings settings) => info.Describe(settings);
    public abstract AttackAccess Access { get; }
    public abstract PreparedCraft Prepare(AttackRun run);
}
