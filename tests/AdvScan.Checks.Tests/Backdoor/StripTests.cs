using AdvScan.Checks.Backdoor;
using AdvScan.Scanning;

namespace AdvScan.Checks.Tests.Backdoor;

public class StripTests
{
    private static readonly string BadnetsTruth = ZooContext.PathOf("mnist-badnets.backdoor.json");

    private static StripSettings Settings(string? truth = null) => new(new StripOptions(Overlays: 20, FalseRejectionRate: 0.05), truth, Calibration: 100);

    [Fact]
    public void Strip_detects_at_least_90_percent_of_mnist_badnets_inputs_carrying_the_planted_trigger_at_5_percent_false_rejection()
    {
        using var zoo = new ZooContext("mnist-badnets.onnx", 300);
        var report = new StripCheck().Run(zoo.Context, Settings(BadnetsTruth));
        var detection = report.Metrics.Single(m => m.Metric == "stripDetection");
        Assert.True(detection.Proportion!.Value.Trials >= 150, $"only {detection.Proportion.Value.Trials} triggered inputs");
        Assert.True(detection.Value >= 0.9, $"STRIP detected {detection.Value:P1}");
        var table = report.Tables.Single();
        Assert.Contains(table.Rows, r => r[0] == "false rejection on the calibration images" && double.Parse(r[1].Split('%')[0], System.Globalization.CultureInfo.InvariantCulture) <= 5.0);
    }

    [Fact]
    public void Calibrated_threshold_rejects_no_more_than_the_requested_share_of_clean_inputs_and_holds_on_held_out_clean_digits()
    {
        using var zoo = new ZooContext("mnist-badnets.onnx", 400);
        var ctx = zoo.Context;
        var oracle = new RuntimeOracle(ctx.Runtime, ctx.Dataset.Mapping.ToModelInputHost);
        var calibration = HostImages.Read(ctx, ctx.Sample.Take(200).ToList());
        var held = HostImages.Read(ctx, ctx.Sample.Skip(200).ToList());
        var detector = StripDetector.Calibrate(oracle, calibration.Pixels, calibration.Shape, new StripOptions(Overlays: 10, FalseRejectionRate: 0.05, Seed: 3));
        Assert.True(detector.CalibrationFalseRejection <= 0.05);
        Assert.Equal(detector.CalibrationEntropies.Count(e => e < detector.Threshold), (int)Math.Floor(0.05 * 200));
        // On clean digits it never saw, the rate stays near the requested one (Wilson upper bound of 200 draws at 5%).
        var rejected = detector.Flags(held.Pixels, held.Shape).Count(f => f);
        Assert.True(rejected <= 0.10 * held.Count, $"{rejected} of {held.Count} clean held-out digits rejected");
    }

    [Fact]
    public void Strip_does_not_flag_the_badnets_trigger_on_the_clean_mnist_model_where_it_does_nothing()
    {
        using var zoo = new ZooContext("mnist-cnn.onnx", 300);
        var report = new StripCheck().Run(zoo.Context, Settings(BadnetsTruth));
        var detection = report.Metrics.Single(m => m.Metric == "stripDetection");
        Assert.True(detection.Value <= 0.2, $"STRIP flagged {detection.Value:P1} of stamped digits on a clean model");
    }

    [Fact]
    public void Entropy_of_a_uniform_distribution_over_ten_classes_is_log2_10_bits_and_of_a_certain_one_zero()
    {
        Assert.Equal(Math.Log2(10), StripDetector.Entropy(Enumerable.Repeat(0.1f, 10).ToArray()), 4);
        Assert.Equal(Math.Log2(10), StripDetector.Entropy(Enumerable.Repeat(3f, 10).ToArray()), 4);
        Assert.Equal(0, StripDetector.Entropy([1f, 0f, 0f]), 6);
    }

    [Fact]
    public void A_detector_refuses_inputs_of_another_shape_than_its_calibration_set()
    {
        using var zoo = new ZooContext("mnist-badnets.onnx", 20);
        var ctx = zoo.Context;
        var oracle = new RuntimeOracle(ctx.Runtime, ctx.Dataset.Mapping.ToModelInputHost);
        var clean = HostImages.Read(ctx, ctx.Sample);
        var detector = StripDetector.Calibrate(oracle, clean.Pixels, clean.Shape, new StripOptions(Overlays: 4));
        var e = Assert.Throws<InvalidInputException>(() => detector.Flags(new float[3 * 32 * 32], [1, 3, 32, 32]));
        Assert.Contains("calibrated on 1x28x28 images but is given 3x32x32", e.Message);
    }
}
