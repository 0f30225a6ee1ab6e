using AdvScan.Checks.Backdoor;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Tests.Backdoor;

[Collection(MnistBadnetsCleanse.Name)]
public class NeuralCleanseBadnetsTests(MnistBadnetsCleanse cleanse)
{
    [Fact]
    public void Neural_cleanse_flags_class_7_of_mnist_badnets_alone_and_its_recovered_trigger_sends_90_percent_of_held_out_digits_there()
    {
        var a = cleanse.Analysis;
        Assert.Equal([7], a.Flagged);
        Assert.True(a.LogAnomalyIndices[7] > 2 && a.Compactness[7] >= TriggerCompactness.DefaultMinimum);
        var success = a.HeldOutSuccess[7];
        Assert.True(success.Trials >= 100, $"judged on {success.Trials} held-out digits only");
        Assert.True(success.Value >= 0.9, $"the recovered trigger sends {success.Value:P1} of held-out digits to 7 (ONNX Runtime)");
    }

    [Fact]
    public void Recovered_trigger_of_class_7_sits_on_the_planted_checkerboard()
    {
        // The ground truth's 4x4 patch at (23,23): most of the recovered mask's mass lies there.
        var mask = cleanse.Analysis.Reversal.Classes[7].Trigger.Mask;
        double inside = 0;
        for (int y = 23; y < 27; y++) for (int x = 23; x < 27; x++) inside += mask[y * 28 + x];
        Assert.True(inside / mask.Sum() > 0.5, $"only {inside / mask.Sum():P0} of the mask lies on the planted trigger");
    }

    [Fact]
    public void Report_lists_the_flagged_class_by_index_and_name_with_norms_per_class_and_the_trigger_as_images()
    {
        var report = NeuralCleanseCheck.Report(cleanse.Zoo.Context, cleanse.Settings, cleanse.Analysis);
        Assert.Equal(1, report.Metrics.Single(m => m.Metric == "backdoorFlaggedClasses").Value);
        Assert.True(report.Metrics.Single(m => m.Metric == "backdoorAnomalyIndex").Value > 2);
        var finding = Assert.Single(report.Findings);
        Assert.Equal([7], finding.Classes);
        Assert.Equal(AdvScan.DiagnosticIds.BackdoorFlaggedClasses, finding.Rule.Id);
        Assert.Contains("class 7 (7)", finding.Message);
        Assert.Equal(10, report.Tables.Single().Rows.Count);
        Assert.Equal(["mask (L1 " + cleanse.Analysis.Reversal.Classes[7].MaskNorm.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + ")", "pattern", "mask x pattern"],
            report.Images.Take(3).Select(i => i.Caption));
        Assert.All(report.Images, i => Assert.Equal(i.Shape.Aggregate(1L, (x, y) => x * y), i.Pixels.Length));
        Assert.Equal(3 + cleanse.Settings.Examples, report.Images.Count);
    }

    [Fact]
    public void Strip_on_the_trigger_neural_cleanse_recovered_detects_most_stamped_digits()
    {
        var ctx = cleanse.Zoo.Context;
        var oracle = new Scanning.RuntimeOracle(ctx.Runtime, ctx.Dataset.Mapping.ToModelInputHost);
        var clean = HostImages.Read(ctx, ctx.Sample.Take(100).ToList());
        var held = HostImages.Read(ctx, ctx.Sample.Skip(100).Where(i => ctx.Dataset.Labels[i] != 7).ToList());
        var detector = StripDetector.Calibrate(oracle, clean.Pixels, clean.Shape, new StripOptions(Overlays: 20, FalseRejectionRate: 0.05));
        var flags = detector.Flags(cleanse.Analysis.Reversal.Classes[7].Trigger.StampAll(held.Pixels), held.Shape);
        Assert.True(flags.Count(f => f) >= 0.9 * flags.Length, $"STRIP flagged {flags.Count(f => f)} of {flags.Length}");
    }
}
