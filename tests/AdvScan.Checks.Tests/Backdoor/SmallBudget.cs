using AdvScan.Checks.Backdoor;

namespace AdvScan.Checks.Tests.Backdoor;

/// <summary>The tests' Neural Cleanse budget: a fraction of the default work that still separates the planted backdoors from clean classes.</summary>
public static class SmallBudget
{
    public static NeuralCleanseSettings NeuralCleanse { get; } = new(
        new NeuralCleanseOptions(Epochs: 40, BatchSize: 10, Patience: 2),
        Images: 50);
}
