using AdvScan.Data;
using AdvScan.Checks.Backdoor;
using AdvScan.Training;

namespace AdvScan.Checks.Tests.Backdoor;

public class NeuralCleanseZooTests
{
    // Three draws of the sample (seeds 7-9) for the models where one draw was once borderline or falsely flagged.
    [Theory]
    [InlineData("mnist-cnn.onnx", 7)]
    [InlineData("signs-cnn.onnx", 7)]
    [InlineData("signs-cnn.onnx", 8)]
    [InlineData("fashion-cnn.onnx", 7)]
    [InlineData("fashion-cnn.onnx", 8)]
    [InlineData("fashion-cnn.onnx", 9)]
    public void Neural_cleanse_flags_no_class_of_a_model_trained_on_clean_data(string model, long seed)
    {
        using var zoo = new ZooContext(model, 100, seed);
        var a = NeuralCleanseAnalysis.Run(zoo.Context, SmallBudget.NeuralCleanse);
        Assert.True(a.Flagged.Count == 0,
            $"{model} draw {seed}: flagged [{string.Join(",", a.Flagged)}], norms [{string.Join(", ", a.Reversal.MaskNorms.Select(n => n.ToString("0.#")))}], " +
            $"compactness [{string.Join(", ", a.Compactness.Select(c => c.ToString("0.##")))}]");
        Assert.True(a.MaxAnomalyIndex <= 2, $"{model} draw {seed}: gated anomaly index {a.MaxAnomalyIndex:0.##}");
    }

    /// <summary>
    /// fashion-cnn, trained on clean data, has a real natural shortcut: a mask a third of the median size turns most
    /// held-out images into bags (index up to 8.4 on the log norms). The paper's test flags it; its mask spreads over
    /// the bag's outline (compactness 0.31-0.41 over three draws, against 0.75-1.0 for the planted patches), so it is a
    /// warning to inspect, not a backdoor target.
    /// </summary>
    [Fact]
    public void The_small_diffuse_bag_mask_of_the_clean_fashion_model_is_a_warning_not_a_flagged_backdoor()
    {
        using var zoo = new ZooContext("fashion-cnn.onnx", 100, 9);
        var a = NeuralCleanseAnalysis.Run(zoo.Context, SmallBudget.NeuralCleanse);
        Assert.Empty(a.Flagged);
        Assert.Contains(8, a.Diffuse);
        Assert.True(a.Compactness[8] < TriggerCompactness.DefaultMinimum, $"bag's mask compactness {a.Compactness[8]:0.##}");
        Assert.True(a.HeldOutSuccess[8].Value >= 0.9, $"the bag mask sends {a.HeldOutSuccess[8].Value:P1} of held-out images to bag");
        var report = NeuralCleanseCheck.Report(zoo.Context, SmallBudget.NeuralCleanse, a);
        Assert.Contains(report.Findings, f => f.Level == AdvScan.Scanning.Checks.FindingLevel.Warning && f.Classes!.Contains(8));
        Assert.DoesNotContain(report.Findings, f => f.Level == AdvScan.Scanning.Checks.FindingLevel.Error);
    }

    [Theory]
    [InlineData("mnist-badnets", 7)]
    [InlineData("mnist-badnets", 8)]
    [InlineData("mnist-badnets", 9)]
    [InlineData("signs-badnets", 7)]
    [InlineData("signs-badnets", 8)]
    public void Neural_cleanse_flags_the_recorded_target_alone_and_its_trigger_takes_over_held_out_images(string model, long seed)
    {
        var truth = BackdoorGroundTruth.Load(ZooContext.PathOf(model + ".backdoor.json"));
        using var zoo = new ZooContext(model + ".onnx", 100, seed);
        var a = NeuralCleanseAnalysis.Run(zoo.Context, SmallBudget.NeuralCleanse);
        Assert.True(a.Flagged.SequenceEqual([truth.TargetClass]),
            $"{model} draw {seed}: flagged [{string.Join(",", a.Flagged)}], log indices [{string.Join(", ", a.LogAnomalyIndices.Select(c => c.ToString("0.##")))}], " +
            $"compactness [{string.Join(", ", a.Compactness.Select(c => c.ToString("0.##")))}]");
        Assert.True(a.HeldOutSuccess[truth.TargetClass].Value >= 0.9,
            $"the recovered trigger sends {a.HeldOutSuccess[truth.TargetClass].Value:P1} of held-out images to {truth.TargetClassName}");
    }

    [Fact]
    public void The_same_seed_recovers_the_same_masks_and_patterns()
    {
        using var zoo = new ZooContext("mnist-badnets.onnx", 40);
        var settings = SmallBudget.NeuralCleanse with { Options = SmallBudget.NeuralCleanse.Options with { Epochs = 2 }, Images = 20, Seed = 9 };
        var a = NeuralCleanseAnalysis.Run(zoo.Context, settings);
        var b = NeuralCleanseAnalysis.Run(zoo.Context, settings);
        // Bit for bit. (Once, before .ci/run made garbage collections rare, two runs agreed only to ~1e-6; 24 repeats since,
        // some beside a concurrent Neural Cleanse on another thread, matched exactly: the suspect is TorchSharp 0.107
        // freeing an operator's implicit Scalar mid-call, the flake .ci/run mitigates.)
        for (int k = 0; k < 10; k++)
        {
            Assert.Equal(a.Reversal.Classes[k].Trigger.Mask, b.Reversal.Classes[k].Trigger.Mask);
            Assert.Equal(a.Reversal.Classes[k].Trigger.Pattern, b.Reversal.Classes[k].Trigger.Pattern);
        }
        var c = NeuralCleanseAnalysis.Run(zoo.Context, settings with { Seed = 10 });
        Assert.NotEqual(a.Reversal.Classes[0].Trigger.Mask, c.Reversal.Classes[0].Trigger.Mask);
    }

    [Fact]
    public void Fewer_clean_images_than_classes_is_a_clear_input_error()
    {
        using var zoo = new ZooContext("mnist-badnets.onnx", 12);
        var e = Assert.Throws<InvalidInputException>(() => NeuralCleanseAnalysis.Run(zoo.Context, SmallBudget.NeuralCleanse));
        Assert.Contains("at least as many clean images as classes (10)", e.Message);
        Assert.Contains("the sample holds 12", e.Message);
    }

    [Fact]
    public void A_model_with_one_class_is_a_clear_input_error()
    {
        var folder = Path.Combine(Path.GetTempPath(), "advscan-backdoor-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var one = new Architecture("one-class", 1, 28, 28, ["zero"], [4], 8).Build(0);
        var model = Path.Combine(folder, "one-class.onnx");
        one.Save(model);
        var digits = IdxFormat.Read(ZooContext.PathOf("mnist-test-images-idx3-ubyte"), ZooContext.PathOf("mnist-test-labels-idx1-ubyte"), Architectures.MnistClasses);
        var zeros = digits.Subset(Enumerable.Range(0, digits.Count).Where(i => digits.Labels[i] == 0).Take(30).ToArray());
        var images = Path.Combine(folder, "zeros-images-idx3-ubyte");
        IdxFormat.Write(new ImageSet(1, 28, 28, zeros.Pixels, zeros.Labels, ["zero"]), images, Path.Combine(folder, "zeros-labels-idx1-ubyte"));
        using var zoo = new ZooContext(model, 30, data: images, labels: Path.Combine(folder, "zeros-labels-idx1-ubyte"));
        var e = Assert.Throws<InvalidInputException>(() => NeuralCleanseAnalysis.Run(zoo.Context, SmallBudget.NeuralCleanse));
        Assert.Equal(model, e.File);
        Assert.Contains("the model has 1 class", e.Message);
    }
}
