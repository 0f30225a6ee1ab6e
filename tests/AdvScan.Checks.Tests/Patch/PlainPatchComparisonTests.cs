using AdvScan.Checks.Patch;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Tests.Patch;

/// <summary>
/// Issue 26: the check must be at least as strong as the plain universal patch an attacker writes. On the checked-in
/// fashion-cnn, untargeted, area 0.1 (a 9x9 texture), no transformations, the check and <see cref="PlainUniversalPatch"/>
/// get the same images and the same number of steps, and ONNX Runtime judges both on the same held-out images.
/// </summary>
public sealed class PlainPatchComparisonTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    /// <summary>
    /// A 1,000-image sample (judging is cheap), 50 steps on each side where the product default is 200, the check with
    /// its default 3 restarts: the bench (bench/README.md, (o)) compares the defaults. Measured here: check 40.5%
    /// (549/1356; 40.0% with one restart), plain 34.3% (465/1356); at 100 steps and one restart 41.0% against 38.8%.
    /// </summary>
    private const int SampleSize = 1000, Steps = 50;

    private readonly ModelFixture fashion = ModelFixture.Fashion();

    [Fact]
    public void Without_transformations_the_check_takes_over_at_least_as_many_held_out_clothes_as_the_plain_patch_over_three_seeds()
    {
        var sample = fashion.Dataset.Sample(SampleSize, 3);
        var settings = new PatchSettings { Areas = [0.1], Eot = EotOptions.None, Steps = Steps, GalleryImages = 0 };
        int checkSuccesses = 0, checkTrials = 0, plainSuccesses = 0, plainTrials = 0;
        foreach (var seed in new long[] { 1, 2, 3 })
        {
            var report = new PatchCheck().Run(fashion.Context(sample: sample, seed: seed), settings);
            var check = report.Metrics.Single(m => m.Metric == "patchSuccess").Proportion!.Value;
            var control = report.Metrics.Single(m => m.Metric == "patchControlSuccess").Proportion!.Value;
            // The plain patch trains on the even and is judged on the odd positions of this order: the check's own training
            // and held-out parts, so both are judged on the same clothes.
            var split = SampleSplit.Of(sample, fashion.Dataset.Labels, settings.TrainFraction, seed);
            Assert.Equal(split.Train.Count, split.HeldOut.Count);
            var order = split.Train.Zip(split.HeldOut, (t, h) => new[] { t, h }).SelectMany(pair => pair).ToList();
            var plain = PlainUniversalPatch.Run(fashion, order, side: 9, Steps, seed);
            Assert.Equal(check.Trials, plain.Trials);
            output.WriteLine($"seed {seed}: check {check.Successes}/{check.Trials} = {check.Value:P1} (control {control.Value:P1}), plain {plain.Successes}/{plain.Trials} = {plain.Successes / (double)plain.Trials:P1}");
            (checkSuccesses, checkTrials) = (checkSuccesses + check.Successes, checkTrials + check.Trials);
            (plainSuccesses, plainTrials) = (plainSuccesses + plain.Successes, plainTrials + plain.Trials);
            // The check's sticker is the plain one's size: 81 pixels, pasted pixel for pixel.
            Assert.Contains("9x9 texture pasted pixel for pixel: 81 pixels", report.Tables[0].Rows[0][1]);
        }
        double checkRate = checkSuccesses / (double)checkTrials, plainRate = plainSuccesses / (double)plainTrials;
        output.WriteLine($"three seeds: check {checkSuccesses}/{checkTrials} = {checkRate:P1}, plain {plainSuccesses}/{plainTrials} = {plainRate:P1}, ratio {checkRate / plainRate:F3}");
        Assert.True(checkRate >= plainRate, $"check {checkRate:P1} < plain patch {plainRate:P1} over three seeds");
    }

    public void Dispose() => fashion.Dispose();
}
