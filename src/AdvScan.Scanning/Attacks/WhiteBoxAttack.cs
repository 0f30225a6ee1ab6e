using AdvScan.Attacks;

namespace AdvScan.Scanning.Attacks;

/// <summary>A registered <see cref="IEvasionAttack"/> run by the scanner: crafted on the target's graph, judged by ONNX Runtime.</summary>
internal sealed class WhiteBoxAttack(IEvasionAttack attack) : ICraftingAttack
{
    public string Name => attack.Name;
    public IReadOnlyList<Norm> Norms => attack.Norms;
    public Norm DefaultNorm => attack.DefaultNorm;
    public AttackDefaults Defaults => attack.Defaults;
    public IReadOnlyList<string> Keys => attack.Keys;
    public string Describe(AttackSettings settings) => attack.Describe(settings);
    public bool NeedsTargetGraph => true;

    public PreparedCraft Prepare(AttackRun run) => new(RobustnessEvaluation.WhiteBox(attack, run.Graph(), run.Dataset.Mapping));
}

/// <summary>A registered <see cref="IScoreBasedAttack"/> run by the scanner: it queries ONNX Runtime itself.</summary>
internal sealed class ScoreBasedAttack(IScoreBasedAttack attack) : ICraftingAttack
{
    public string Name => attack.Name;
    public IReadOnlyList<Norm> Norms => attack.Norms;
    public Norm DefaultNorm => attack.DefaultNorm;
    public AttackDefaults Defaults => attack.Defaults;
    public IReadOnlyList<string> Keys => attack.Keys;
    public string Describe(AttackSettings settings) => attack.Describe(settings);
    public bool NeedsTargetGraph => false;

    public PreparedCraft Prepare(AttackRun run) =>
        new(RobustnessEvaluation.BlackBox(attack, new RuntimeOracle(run.Runtime, run.Dataset.Mapping.ToModelInputHost)));
}
