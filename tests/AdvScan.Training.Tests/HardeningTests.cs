using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Training.Tests;

public sealed class HardeningTests
{
    private static readonly HardeningOptions Quick = new(Epsilon: 0.1, Steps: 3, Epochs: 1, BatchSize: 32, LearningRate: 2e-3, Seed: 7);

    private static ImageSet Tiny() => Fixtures.MnistTest().Subset(Enumerable.Range(0, 1000).Where(i => i % 8 == 0).ToArray());

    [Fact]
    public void Crafted_examples_lie_in_the_eps_ball_and_the_unit_cube_and_raise_the_loss_without_touching_the_weights()
    {
        var test = Fixtures.MnistTest().Subset(Enumerable.Range(0, 1000).Where(i => i % 10 == 3).ToArray());
        using var graph = OnnxGraph.Import(Fixtures.Model("mnist-cnn.onnx"), new ImportOptions(Device: "cpu", TrainableInitializers: true));
        graph.train();
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(test.Pixels, test.Shape);
        var y = torch.tensor(test.Labels.Select(l => (long)l).ToArray(), [test.Count]);
        const double eps = 0.1;

        var adversarial = AdversarialTrainer.Craft(graph, x, y, new AttackSettings(Norm.LInf, eps, Steps: 10, StepSize: 0.025, Seed: 1));

        Assert.False(adversarial.requires_grad);
        Assert.True((adversarial - x).abs().max().item<float>() <= eps + 1e-6);
        Assert.True(adversarial.min().item<float>() >= 0f && adversarial.max().item<float>() <= 1f);
        double clean, noisy, attacked;
        using (torch.no_grad())
        {
            clean = F.cross_entropy(graph.forward(x), y).item<float>();
            // A random point of the same ball: the loss must rise because of the gradient steps, not the noise.
            var noise = (x + (torch.rand(x.shape, generator: new Generator(3)) * 2 - 1) * eps).clamp(0, 1);
            noisy = F.cross_entropy(graph.forward(noise), y).item<float>();
            attacked = F.cross_entropy(graph.forward(adversarial), y).item<float>();
        }
        Assert.True(attacked > 10 * Math.Max(clean, noisy), $"cross-entropy: clean {clean:F3}, random in ball {noisy:F3}, PGD {attacked:F3}");
        // Weights were frozen while crafting: no gradient accumulated, and they are trainable again afterwards.
        Assert.All(graph.parameters(), p => Assert.True(p.requires_grad && p.grad is null));
        Assert.True(graph.training);
    }

    [Fact]
    public void Fine_tuning_a_trained_cnn_with_pgd_raises_its_robust_accuracy_at_the_trained_budget()
    {
        var all = Fixtures.MnistTest();
        // Disjoint halves of the held-out digits: even indices train, a fifth of the odd ones test.
        var train = all.Subset(Enumerable.Range(0, 1000).Where(i => i % 2 == 0).ToArray());
        var test = all.Subset(Enumerable.Range(0, 1000).Where(i => i % 10 is 1 or 3).ToArray());
        const double eps = 0.1;
        var original = Fixtures.Model("mnist-cnn.onnx");

        var hardened = AdversarialTrainer.Train(original, train,
            new HardeningOptions(Epsilon: eps, Steps: 5, Epochs: 2, BatchSize: 32, LearningRate: 1e-3, Seed: 7)).Model;

        var (originalClean, originalRobust) = RobustAccuracy(original, test, eps, steps: 20);
        var (hardenedClean, hardenedRobust) = RobustAccuracy(hardened, test, eps, steps: 20);
        Assert.True(hardenedRobust > originalRobust + 0.15,
            $"PGD-20 eps {eps} robust accuracy: hardened {hardenedRobust:P1} (clean {hardenedClean:P1}), original {originalRobust:P1} (clean {originalClean:P1})");
        Assert.True(hardenedClean > 0.9, $"hardened clean accuracy {hardenedClean:P1}");
    }

    [Fact]
    public void Same_seed_gives_a_byte_identical_model_and_another_seed_another()
    {
        var data = Tiny();

        var first = AdversarialTrainer.Train(Architectures.MnistCnn.Build(3), data, Quick).Model.ToBytes();
        var second = AdversarialTrainer.Train(Architectures.MnistCnn.Build(3), data, Quick).Model.ToBytes();
        var other = AdversarialTrainer.Train(Architectures.MnistCnn.Build(3), data, Quick with { Seed = 8 }).Model.ToBytes();

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Fine_tuning_keeps_the_graph_and_metadata_and_changes_the_weights()
    {
        var initial = Fixtures.Model("mnist-cnn.onnx");

        var hardened = AdversarialTrainer.Train(initial, Tiny(), Quick with { CleanWeight = 0.5 }).Model;

        Assert.Equal(initial.Proto.Graph.Node, hardened.Proto.Graph.Node);
        Assert.Equal(initial.Metadata, hardened.Metadata);
        Assert.NotEqual(initial.ToBytes(), hardened.ToBytes());
    }

    [Fact]
    public void Eps_ramps_linearly_per_batch_over_the_ramp_epochs_then_holds()
    {
        var options = new HardeningOptions(Epsilon: 0.3, Steps: 10, RampEpochs: 2, Epochs: 5);

        Assert.Equal(0.3 / 20, options.EpsilonAt(0, batchesPerEpoch: 10), 12);
        Assert.Equal(0.15, options.EpsilonAt(9, batchesPerEpoch: 10), 12);
        Assert.Equal(0.3, options.EpsilonAt(19, batchesPerEpoch: 10), 12);
        Assert.Equal(0.3, options.EpsilonAt(45, batchesPerEpoch: 10), 12);
        Assert.Equal(0.3, (options with { RampEpochs = 0 }).EpsilonAt(0, batchesPerEpoch: 10));
        // The step size follows the budget, so a ramped PGD still crosses its (smaller) ball.
        Assert.Equal(2.5 * 0.15 / 10, options.StepSizeAt(0.15), 12);
        Assert.Equal(0.05, (options with { StepSize = 0.1 }).StepSizeAt(0.15), 12);
    }

    [Fact]
    public void Progress_reports_every_epoch_with_its_budget()
    {
        var reports = new List<TrainingProgress>();

        var result = AdversarialTrainer.Train(Architectures.MnistCnn.Build(3), Tiny(), Quick with { Epochs = 2, RampEpochs = 1, Steps = 1 }, new ListProgress(reports));

        Assert.Equal([1, 2], reports.Select(r => r.Epoch));
        Assert.Equal([0.1, 0.1], reports.Select(r => r.Epsilon!.Value));
        Assert.Equal(reports, result.Epochs);
    }

    [Theory]
    [InlineData(-0.1, 3, null, 0, 0.0)]
    [InlineData(1.5, 3, null, 0, 0.0)]
    [InlineData(double.NaN, 3, null, 0, 0.0)]
    [InlineData(0.3, 0, null, 0, 0.0)]
    [InlineData(0.3, -2, null, 0, 0.0)]
    [InlineData(0.3, 3, 0.0, 0, 0.0)]
    [InlineData(0.3, 3, -0.1, 0, 0.0)]
    [InlineData(0.3, 3, null, -1, 0.0)]
    [InlineData(0.3, 3, null, 2, 0.0)]
    [InlineData(0.3, 3, null, 0, 1.0)]
    [InlineData(0.3, 3, null, 0, -0.5)]
    public void Invalid_options_are_rejected_as_bad_input_before_any_work(double eps, int steps, double? stepSize, int ramp, double cleanWeight)
    {
        var options = Quick with { Epsilon = eps, Steps = steps, StepSize = stepSize, RampEpochs = ramp, CleanWeight = cleanWeight };

        Assert.Throws<InvalidInputException>(() => AdversarialTrainer.Train(Architectures.MnistCnn.Build(3), Tiny(), options));
    }

    [Fact]
    public void Cancellation_stops_hardening()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            AdversarialTrainer.Train(Architectures.MnistCnn.Build(3), Tiny(), Quick, cancellationToken: cancelled.Token));
    }

    /// <summary>Clean and PGD (L-inf, random start) robust accuracy, adversarial examples crafted on the graph and judged by ONNX Runtime.</summary>
    internal static (double Clean, double Robust) RobustAccuracy(OnnxModel model, ImageSet test, double eps, int steps, double? stepSize = null, long seed = 0)
    {
        using var session = ReferenceSession.Open(model);
        using var graph = OnnxGraph.Import(model);
        var batch = new LabeledBatch(test.Pixels, test.Shape, test.Labels);
        var point = new RobustnessEvaluation(session, PixelMapping.Identity)
            .Run(new Pgd(), graph, new AttackSettings(Norm.LInf, eps, steps, stepSize, Restarts: 1, RandomStart: true, Seed: seed), [eps], [batch])
            .Curve[0];
        return (point.CleanAccuracy.Value, point.RobustAccuracy.Value);
    }

    private sealed class ListProgress(List<TrainingProgress> list) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => list.Add(value);
    }
}
