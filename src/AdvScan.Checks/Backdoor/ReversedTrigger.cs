namespace AdvScan.Checks.Backdoor;

/// <summary>What Neural Cleanse recovered for one class.</summary>
/// <param name="Trigger">The smallest mask (and its pattern) that met the success threshold; the last one when none did.</param>
/// <param name="Reached">Whether any mask met the threshold; when not, <paramref name="MaskNorm"/> is the final mask's and overstates nothing about a backdoor.</param>
/// <param name="Success">The share of optimisation images the trigger sent to the class in its epoch (differentiable graph).</param>
public sealed record ReversedTrigger(int Class, MaskedTrigger Trigger, double MaskNorm, bool Reached, double Success);

/// <summary>Every class's recovered trigger and how much work it took.</summary>
/// <param name="Steps">Optimisation steps run; each is one forward and one backward pass over classes x batch images.</param>
/// <param name="ImagesForwarded">Stamped images sent forward and backward over the run (classes x batch per step).</param>
public sealed record NeuralCleanseResult(IReadOnlyList<ReversedTrigger> Classes, int Epochs, int Steps, long ImagesForwarded, TimeSpan Elapsed)
{
    public IReadOnlyList<double> MaskNorms => Classes.Select(c => c.MaskNorm).ToList();
}
