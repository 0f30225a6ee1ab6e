using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Onnx;

namespace AdvScan.Scanning.Attacks;

/// <summary>
/// Transfer attack: PGD crafted on a surrogate model the config names ("surrogate"), judged on the target by ONNX
/// Runtime. It measures what an attacker without the target's weights achieves, and the share of the surrogate's
/// successes that carry over (the transfer rate).
/// </summary>
public sealed class TransferAttack(IEnumerable<IEvasionAttack> attacks) : ICraftingAttack
{
    private readonly Pgd pgd = attacks.OfType<Pgd>().FirstOrDefault() ?? new Pgd();

    public string Name => "transfer";
    public IReadOnlyList<Norm> Norms => pgd.Norms;
    public IReadOnlyList<string> Keys { get; } = [AttackKeys.Surrogate, AttackKeys.Steps, AttackKeys.StepSize, AttackKeys.Restarts, AttackKeys.RandomStart, AttackKeys.TargetClass];
    public AttackAccess Access => AttackAccess.Surrogate;

    public string Describe(AttackSettings settings) =>
        AttackKeys.Describe(settings, $"crafted on {Path.GetFileName(settings.Surrogate ?? "?")}", AttackKeys.Invariant($"PGD {settings.Steps} steps"));

    public PreparedCraft Prepare(AttackRun run)
    {
        var surrogate = OnnxModel.Load(run.Settings.Surrogate ?? throw new InvalidInputException(null, "a transfer attack needs a \"surrogate\" model to craft examples on"));
        CheckSameInput(run.Model, surrogate);
        var graph = OnnxGraph.Import(surrogate, new ImportOptions(run.Device));
        return new PreparedCraft(RobustnessEvaluation.WhiteBox(pgd, graph, run.Dataset.Mapping), transfer: true, graph);
    }

    /// <summary>A surrogate must take the same input as the target, or its adversarial examples mean nothing there.</summary>
    public static void CheckSameInput(OnnxModel target, OnnxModel surrogate)
    {
        string Describe(OnnxModel m) => m.Inputs.Count == 1 ? m.Inputs[0].ShapeText : $"{m.Inputs.Count} inputs";
        bool same = target.Inputs.Count == 1 && surrogate.Inputs.Count == 1 &&
            target.Inputs[0].Shape is { } a && surrogate.Inputs[0].Shape is { } b && a.Count == b.Count &&
            a.Zip(b).All(p => p.First.Value is null || p.Second.Value is null || p.First.Value == p.Second.Value) &&
            target.Metadata.GetValueOrDefault("advscan.mean") == surrogate.Metadata.GetValueOrDefault("advscan.mean") &&
            target.Metadata.GetValueOrDefault("advscan.std") == surrogate.Metadata.GetValueOrDefault("advscan.std");
        if (!same)
            throw new InvalidInputException(surrogate.File, $"surrogate input {Describe(surrogate)} does not match the target's {Describe(target)} (same shape and normalisation needed for a transfer attack)");
    }
}
