using AdvScan.Training;

namespace AdvScan.Training.Tests;

public sealed class TrainerTests
{
    private static readonly TrainingOptions Quick = new(Epochs: 2, BatchSize: 32, LearningRate: 2e-3, Seed: 7, MaxShift: 1);

    private static ImageSet SmallMnist() => Fixtures.MnistTest().Subset(Enumerable.Range(0, 1000).Where(i => i % 4 == 0).ToArray());

    [Fact]
    public void Same_seed_gives_a_byte_identical_model()
    {
        var data = SmallMnist();

        var first = ClassifierTrainer.Train(Architectures.MnistCnn.Build(3), data, Quick).Model.ToBytes();
        var second = ClassifierTrainer.Train(Architectures.MnistCnn.Build(3), data, Quick).Model.ToBytes();

        Assert.Equal(first, second);
    }

    [Fact]
    public void Different_seed_gives_a_different_model()
    {
        var data = SmallMnist();

        var first = ClassifierTrainer.Train(Architectures.MnistCnn.Build(3), data, Quick).Model.ToBytes();
        var second = ClassifierTrainer.Train(Architectures.MnistCnn.Build(3), data, Quick with { Seed = 8 }).Model.ToBytes();

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Training_lowers_the_loss_and_reports_every_epoch()
    {
        var reports = new List<TrainingProgress>();

        var result = ClassifierTrainer.Train(Architectures.MnistCnn.Build(3), SmallMnist(), Quick with { Epochs = 3 }, new ListProgress(reports));

        Assert.Equal([1, 2, 3], reports.Select(r => r.Epoch));
        Assert.True(reports[^1].MeanLoss < reports[0].MeanLoss * 0.7, $"loss went from {reports[0].MeanLoss} to {reports[^1].MeanLoss}");
        Assert.Equal(reports, result.Epochs);
    }

    [Fact]
    public void Trained_model_keeps_the_graph_and_metadata_and_changes_the_weights()
    {
        var initial = Architectures.MnistCnn.Build(3);

        var trained = ClassifierTrainer.Train(initial, SmallMnist(), Quick with { Epochs = 1 }).Model;

        Assert.Equal(initial.Proto.Graph.Node, trained.Proto.Graph.Node);
        Assert.Equal(initial.Metadata, trained.Metadata);
        Assert.NotEqual(initial.ToBytes(), trained.ToBytes());
    }

    [Fact]
    public void Cancellation_stops_training()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            ClassifierTrainer.Train(Architectures.MnistCnn.Build(3), SmallMnist(), Quick, cancellationToken: cancelled.Token));
    }

    [Fact]
    public void Images_of_the_wrong_size_are_rejected_as_bad_input()
    {
        var signs = SignsGenerator.Generate(10, seed: 1);

        var e = Assert.Throws<InvalidInputException>(() => ClassifierTrainer.Train(Architectures.MnistCnn.Build(3), signs, Quick));

        Assert.Contains("3x32x32", e.Message);
    }

    [Theory]
    [InlineData(0, 32, 1e-3)]
    [InlineData(1, 0, 1e-3)]
    [InlineData(1, 32, 0)]
    public void Invalid_options_are_rejected_as_bad_input(int epochs, int batch, double lr)
    {
        Assert.Throws<InvalidInputException>(() =>
            ClassifierTrainer.Train(Architectures.MnistCnn.Build(3), SmallMnist(), new TrainingOptions(epochs, batch, lr)));
    }

    private sealed class ListProgress(List<TrainingProgress> list) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => list.Add(value);
    }
}
