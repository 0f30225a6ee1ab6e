namespace AdvScan.Checks.Backdoor;

/// <summary>Every class's recovered trigger and how much work it took.</summary>
/// <param name="Steps">Optimisation steps run; each is one forward and one backward pass over classes x batch images.</param>
/// <param name="ImagesForwarded">Stamped images sent forward and backward over the run (classes x batch per step).</param>
public sealed record NeuralCleanseResult(IReadOnlyList<ReversedTrigger> Classes, int Epochs, int Steps, long ImagesForwarded, TimeSpan Elapsed)
{
    public IReadOnlyList<double> MaskNorms => Classes.Select(c => c.MaskNorm).ToList();
}
