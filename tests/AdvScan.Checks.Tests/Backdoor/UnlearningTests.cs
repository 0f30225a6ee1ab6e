using AdvScan.Hardening;
using AdvScan.Data;
using AdvScan.Checks.Backdoor;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Training;

namespace AdvScan.Checks.Tests.Backdoor;

[Collection(MnistBadnetsCleanse.Name)]
public class UnlearningTests(MnistBadnetsCleanse cleanse)
{
    [Fact]
    public void Unlearning_the_recovered_trigger_drops_the_planted_triggers_success_below_10_percent_at_under_2_points_of_clean_accuracy()
    {
        var ctx = cleanse.Zoo.Context;
        var truth = BackdoorGroundTruth.Load(ZooContext.PathOf("mnist-badnets.backdoor.json"));
        var planted = MaskedTrigger.FromSpec(truth.Trigger, 1, 28, 28);
        var recovered = cleanse.Analysis.Reversal.Classes[7].Trigger;

        // Fine-tune on the 200 digits Neural Cleanse saw and 500 more; judge on the other 300, which neither step saw.
        var rest = Enumerable.Range(0, ctx.Dataset.Labels.Count).Except(ctx.Sample).ToArray();
        new Random(5).Shuffle(rest);
        var tune = HostImages.Read(ctx, rest.Take(500).Concat(ctx.Sample).ToList());
        var judge = HostImages.Read(ctx, rest.Skip(500).ToList());
        var oracle = new RuntimeOracle(ctx.Runtime, ctx.Dataset.Mapping.ToModelInputHost);
        var before = BackdoorEffect.Measure(oracle, judge, planted, 7);

        var result = Unlearning.Unlearn(ctx.Model, tune, recovered, ctx.Dataset.Mapping, ctx.ClassNames, new UnlearningOptions(Seed: 1));
        using var after = ReferenceSession.Open(result.Model);
        var effect = BackdoorEffect.Measure(new RuntimeOracle(after, ctx.Dataset.Mapping.ToModelInputHost), judge, planted, 7);

        Assert.True(before.TriggerSuccess.Value > 0.95, $"the planted trigger worked on {before.TriggerSuccess.Value:P1} before");
        Assert.True(effect.TriggerSuccess.Value < 0.10, $"after unlearning the planted trigger still works on {effect.TriggerSuccess.Value:P1}");
        Assert.True(before.CleanAccuracy.Value - effect.CleanAccuracy.Value < 0.02,
            $"clean accuracy fell from {before.CleanAccuracy.Value:P1} to {effect.CleanAccuracy.Value:P1}");
        Assert.Equal(ctx.Model.Inputs[0].ShapeText, result.Model.Inputs[0].ShapeText);
    }

    [Fact]
    public void Unlearning_with_the_same_seed_writes_the_same_bytes()
    {
        var ctx = cleanse.Zoo.Context;
        var tune = HostImages.Read(ctx, ctx.Sample.Take(64).ToList());
        var trigger = cleanse.Analysis.Reversal.Classes[7].Trigger;
        var options = new UnlearningOptions(Epochs: 1, Seed: 4);
        var a = Unlearning.Unlearn(ctx.Model, tune, trigger, ctx.Dataset.Mapping, ctx.ClassNames, options).Model.ToBytes();
        var b = Unlearning.Unlearn(ctx.Model, tune, trigger, ctx.Dataset.Mapping, ctx.ClassNames, options).Model.ToBytes();
        Assert.Equal(a, b);
    }
}
