using AdvScan.Onnx;
using AdvScan.Runtime;

namespace AdvScan.Training.Tests;

/// <summary>
/// The ResNet-18-style builder behind examples/signs224: the ONNX graph it writes computes what it calibrated and
/// trained in TorchSharp (ONNX Runtime's accuracy on the training images is the accuracy the builder reports), and its
/// batch norms really normalise what reaches them.
/// </summary>
public class CalibratedResNetTests
{
    [Fact]
    public void Onnx_runtime_reproduces_the_builders_training_accuracy_so_the_written_graph_is_the_calibrated_one()
    {
        const int size = 64, count = 60;
        var set = SignsGenerator.Generate(count, seed: 31, new SignsOptions(Size: size));
        var pixels = set.Pixels.Select(v => (v - 0.45f) / 0.25f).ToArray();
        var built = CalibratedResNet.Build("tiny", SignsGenerator.ClassNames, pixels, set.Labels, calibrationCount: 40,
            new ResNetOptions(Width: 4, Size: size, Seed: 2, HeadSteps: 100));

        Assert.Equal(20, built.Model.Proto.Graph.Node.Count(n => n.OpType == "BatchNormalization")); // stem, 8 blocks x 2 convs, 3 projections
        using var session = ReferenceSession.Open(built.Model);
        var logits = session.RunFirst(new HostTensor(pixels, [count, 3, size, size])).Data;
        int classes = SignsGenerator.ClassNames.Count, correct = 0;
        for (int i = 0; i < count; i++)
            if (Enumerable.Range(0, classes).MaxBy(k => logits[i * classes + k]) == set.Labels[i]) correct++;
        Assert.Equal(built.TrainingAccuracy, correct / (double)count, 6);
        // A head that learned nothing would sit near 1 in 10.
        Assert.True(built.TrainingAccuracy > 0.3, $"training accuracy {built.TrainingAccuracy}");
    }
}
