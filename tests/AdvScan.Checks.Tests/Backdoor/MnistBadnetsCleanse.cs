using AdvScan.Checks.Backdoor;

namespace AdvScan.Checks.Tests.Backdoor;

/// <summary>
/// One Neural Cleanse run on mnist-badnets at the tests' small budget, shared by the tests that check its flag, its
/// report, STRIP on its trigger and unlearning of its trigger: the optimisation is the expensive part, run once.
/// </summary>
public sealed class MnistBadnetsCleanse : IDisposable
{
    public const string Name = "mnist-badnets Neural Cleanse";

    public MnistBadnetsCleanse()
    {
        Zoo = new ZooContext("mnist-badnets.onnx", 200);
        Settings = SmallBudget.NeuralCleanse;
        Analysis = NeuralCleanseAnalysis.Run(Zoo.Context, Settings);
    }

    public ZooContext Zoo { get; }
    public NeuralCleanseSettings Settings { get; }
    public NeuralCleanseAnalysis Analysis { get; }

    public void Dispose() => Zoo.Dispose();
}
