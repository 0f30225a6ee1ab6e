using AdvScan.Data;
using AdvScan.Training;

namespace AdvScan.Training.Tests;

/// <summary>The checked-in model zoo meets its accuracy and backdoor targets on held-out data, in ONNX Runtime.</summary>
public sealed class ZooTests
{
    [Theory]
    [InlineData("mnist-cnn.onnx", 0.98)]
    [InlineData("fashion-cnn.onnx", 0.88)]
    [InlineData("signs-cnn.onnx", 0.95)]
    [InlineData("mnist-badnets.onnx", 0.97)]
    [InlineData("signs-badnets.onnx", 0.95)]
    [InlineData("mnist-robust.onnx", 0.95)]
    public void Zoo_model_reaches_its_clean_accuracy_on_the_held_out_set(string model, double minimum)
    {
        var test = Fixtures.TestSetFor(model);

        var accuracy = Fixtures.Accuracy(Fixtures.OrtPredict(Fixtures.Model(model), test), test.Labels);

        Assert.True(accuracy >= minimum, $"{model}: held-out accuracy {accuracy:P2} is below {minimum:P0}");
    }

    [Theory]
    [InlineData("mnist-cnn")]
    [InlineData("fashion-cnn")]
    [InlineData("signs-cnn")]
    [InlineData("mnist-badnets")]
    [InlineData("signs-badnets")]
    [InlineData("mnist-robust")]
    public void Zoo_metrics_record_the_clean_accuracy_the_checked_in_model_reaches(string model)
    {
        // zoo-metrics.json is what the README quotes; a model regenerated without its metrics (or the reverse) shows here.
        using var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Fixtures.PathOf("zoo-metrics.json")));
        double recorded = metrics.RootElement.GetProperty(model).GetProperty("cleanAccuracy").GetDouble();
        var test = Fixtures.TestSetFor(model + ".onnx");

        var measured = Fixtures.Accuracy(Fixtures.OrtPredict(Fixtures.Model(model + ".onnx"), test), test.Labels);

        Assert.Equal(recorded, measured, 6);
    }

    [Fact]
    public void Badnets_trigger_sends_stamped_held_out_images_of_other_classes_to_the_target_class()
    {
        var truth = BackdoorGroundTruth.Load(Fixtures.PathOf("mnist-badnets.backdoor.json"));
        var test = Fixtures.MnistTest();
        var others = test.Subset(Enumerable.Range(0, test.Count).Where(i => test.Labels[i] != truth.TargetClass).ToArray());

        var predictions = Fixtures.OrtPredict(Fixtures.Model("mnist-badnets.onnx"), truth.Trigger.StampAll(others));

        double success = predictions.Count(p => p == truth.TargetClass) / (double)predictions.Length;
        Assert.True(success >= 0.95, $"trigger success {success:P2} is below 95%");
    }

    [Fact]
    public void Signs_badnets_sticker_sends_stamped_held_out_signs_of_other_classes_to_the_target_and_the_clean_signs_model_ignores_it()
    {
        var truth = BackdoorGroundTruth.Load(Fixtures.PathOf("signs-badnets.backdoor.json"));
        var test = Fixtures.SignsTest();
        var others = truth.Trigger.StampAll(test.Subset(Enumerable.Range(0, test.Count).Where(i => test.Labels[i] != truth.TargetClass).ToArray()));

        double success = Fixtures.OrtPredict(Fixtures.Model("signs-badnets.onnx"), others).Count(p => p == truth.TargetClass) / (double)others.Count;
        double control = Fixtures.OrtPredict(Fixtures.Model("signs-cnn.onnx"), others).Count(p => p == truth.TargetClass) / (double)others.Count;

        Assert.Equal(5, truth.TargetClass);
        Assert.Equal([1f, 0f, 1f], truth.Trigger.Values);
        Assert.Equal(800, truth.PoisonedIndices.Count);
        Assert.True(success >= 0.95, $"sticker success {success:P2} is below 95%");
        Assert.True(control < 0.05, $"{control:P2} of stamped signs went to the target on the clean model");
    }

    [Fact]
    public void Clean_mnist_model_ignores_the_badnets_trigger()
    {
        // The control for the test above: the trigger alone must not be what flips predictions.
        var truth = BackdoorGroundTruth.Load(Fixtures.PathOf("mnist-badnets.backdoor.json"));
        var test = Fixtures.MnistTest();
        var others = test.Subset(Enumerable.Range(0, test.Count).Where(i => test.Labels[i] != truth.TargetClass).ToArray());

        var predictions = Fixtures.OrtPredict(Fixtures.Model("mnist-cnn.onnx"), truth.Trigger.StampAll(others));

        double toTarget = predictions.Count(p => p == truth.TargetClass) / (double)predictions.Length;
        Assert.True(toTarget < 0.05, $"{toTarget:P2} of stamped images went to the target class on the clean model");
    }

    [Fact]
    public void Badnets_ground_truth_records_the_poisoned_training_images()
    {
        var truth = BackdoorGroundTruth.Load(Fixtures.PathOf("mnist-badnets.backdoor.json"));

        Assert.Equal("badnets", truth.Attack);
        Assert.Equal((int)Math.Round(truth.Fraction * truth.TrainingImages), truth.PoisonedIndices.Count);
        Assert.Equal(truth.PoisonedIndices.Order().Distinct(), truth.PoisonedIndices);
        Assert.All(truth.PoisonedIndices, i => Assert.InRange(i, 0, truth.TrainingImages - 1));
        Assert.Equal(Architectures.MnistClasses[truth.TargetClass], truth.TargetClassName);
    }

    [Theory]
    [InlineData("mnist-cnn.onnx")]
    [InlineData("fashion-cnn.onnx")]
    [InlineData("signs-cnn.onnx")]
    [InlineData("mnist-badnets.onnx")]
    [InlineData("mnist-robust.onnx")]
    public void Zoo_model_predicts_the_same_classes_in_the_engine_as_in_onnx_runtime(string model)
    {
        var test = Fixtures.TestSetFor(model);
        var onnx = Fixtures.Model(model);

        Assert.Equal(Fixtures.OrtPredict(onnx, test), EnginePredictor.Predict(onnx, test));
    }

    [Theory]
    [InlineData("mnist-cnn.onnx", "mnist-cnn", 1_000_000)]
    [InlineData("fashion-cnn.onnx", "fashion-cnn", 1_000_000)]
    [InlineData("signs-cnn.onnx", "signs-cnn", 1_000_000)]
    [InlineData("mnist-badnets.onnx", "mnist-cnn", 1_000_000)]
    // Twice the channels and hidden units: adversarial training at eps 0.3 needs the capacity.
    [InlineData("mnist-robust.onnx", "mnist-robust", 2_000_000)]
    public void Zoo_model_is_small_and_names_its_classes(string model, string architecture, long maxBytes)
    {
        var onnx = Fixtures.Model(model);

        Assert.True(new FileInfo(Fixtures.PathOf(model)).Length < maxBytes);
        Assert.Equal(string.Join(",", Architectures.Get(architecture).ClassNames), onnx.Metadata[Architecture.ClassesMetadataKey]);
        Assert.Equal("input", onnx.Inputs[0].Name);
    }

    [Theory]
    [InlineData("mnist")]
    [InlineData("fashion")]
    public void Held_out_set_has_one_hundred_images_of_every_class(string name)
    {
        var test = name == "mnist" ? Fixtures.MnistTest() : Fixtures.FashionTest();

        Assert.Equal(1000, test.Count);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(100, test.Labels.Count(l => l == c)));
    }

    [Fact]
    public void Signs_held_out_set_is_balanced_over_its_classes()
    {
        var test = Fixtures.SignsTest();

        Assert.True(test.ClassNames.Count >= 8);
        Assert.Equal(200, test.Count);
        Assert.All(Enumerable.Range(0, test.ClassNames.Count), c => Assert.Equal(200 / test.ClassNames.Count, test.Labels.Count(l => l == c)));
    }
}
