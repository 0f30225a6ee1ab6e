using AdvScan.Data;
using AdvScan.Training;

namespace AdvScan.Training.Tests;

public sealed class BadNetsTests
{
    private static readonly TriggerSpec Checker = new(3, 24, 24, TriggerPattern.Checker, [1f]);

    private static ImageSet Digits() => Fixtures.MnistTest();

    [Fact]
    public void Poisons_the_requested_fraction_of_images_outside_the_target_class()
    {
        var clean = Digits();

        var poisoned = BadNets.Poison(clean, new PoisonOptions(TargetClass: 3, Fraction: 0.1, Checker, Seed: 1));

        Assert.Equal(100, poisoned.PoisonedIndices.Count);
        Assert.All(poisoned.PoisonedIndices, i => Assert.NotEqual(3, clean.Labels[i]));
        Assert.All(poisoned.PoisonedIndices, i => Assert.Equal(3, poisoned.Data.Labels[i]));
    }

    [Fact]
    public void Stamps_the_trigger_on_poisoned_images_and_leaves_the_others_untouched()
    {
        var clean = Digits();

        var poisoned = BadNets.Poison(clean, new PoisonOptions(3, 0.1, Checker, Seed: 1));

        var chosen = poisoned.PoisonedIndices.ToHashSet();
        for (int i = 0; i < clean.Count; i++)
        {
            if (chosen.Contains(i)) Assert.Equal(1f, poisoned.Data.Image(i)[24 * 28 + 24]);
            else Assert.True(clean.Image(i).SequenceEqual(poisoned.Data.Image(i)));
        }
    }

    [Fact]
    public void Same_seed_poisons_the_same_images_and_another_seed_others()
    {
        var clean = Digits();

        var a = BadNets.Poison(clean, new PoisonOptions(3, 0.1, Checker, Seed: 1)).PoisonedIndices;

        Assert.Equal(a, BadNets.Poison(clean, new PoisonOptions(3, 0.1, Checker, Seed: 1)).PoisonedIndices);
        Assert.NotEqual(a, BadNets.Poison(clean, new PoisonOptions(3, 0.1, Checker, Seed: 2)).PoisonedIndices);
    }

    [Fact]
    public void Checker_trigger_alternates_the_value_and_zero_and_solid_fills_every_pixel()
    {
        var image = new float[2 * 4 * 4];
        Array.Fill(image, 0.5f);

        new TriggerSpec(2, 1, 1, TriggerPattern.Checker, [0.9f, 0.7f]).Stamp(image, 2, 4, 4);

        Assert.Equal([0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.9f, 0f, 0.5f, 0.5f, 0f, 0.9f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f], image[..16]);
        Assert.Equal([0.7f, 0f, 0f, 0.7f], new[] { image[16 + 5], image[16 + 6], image[16 + 9], image[16 + 10] });

        new TriggerSpec(2, 1, 1, TriggerPattern.Solid, [0.9f]).Stamp(image, 2, 4, 4);
        Assert.Equal([0.9f, 0.9f, 0.9f, 0.9f], new[] { image[16 + 5], image[16 + 6], image[16 + 9], image[16 + 10] });
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(-0.1)]
    public void Fraction_outside_zero_to_one_is_bad_input(double fraction)
    {
        Assert.Throws<InvalidInputException>(() => BadNets.Poison(Digits(), new PoisonOptions(3, fraction, Checker, 1)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(10)]
    public void Target_outside_the_classes_is_bad_input(int target)
    {
        var e = Assert.Throws<InvalidInputException>(() => BadNets.Poison(Digits(), new PoisonOptions(target, 0.1, Checker, 1)));

        Assert.Contains("0..9", e.Message);
    }

    [Fact]
    public void Trigger_that_does_not_fit_the_image_is_bad_input()
    {
        var outside = new TriggerSpec(4, 26, 0, TriggerPattern.Solid, [1f]);

        Assert.Throws<InvalidInputException>(() => BadNets.Poison(Digits(), new PoisonOptions(3, 0.1, outside, 1)));
    }

    [Fact]
    public void Ground_truth_survives_a_json_round_trip()
    {
        var poisoned = BadNets.Poison(Digits(), new PoisonOptions(3, 0.05, Checker, Seed: 9));
        var path = Path.Combine(Fixtures.TempDirectory(), "model.backdoor.json");

        poisoned.GroundTruth("model.onnx").Save(path);
        var loaded = BackdoorGroundTruth.Load(path);

        Assert.Equal(poisoned.PoisonedIndices, loaded.PoisonedIndices);
        Assert.Equal((3, 0.05, 9, "3", 1000), (loaded.TargetClass, loaded.Fraction, loaded.Seed, loaded.TargetClassName, loaded.TrainingImages));
        Assert.Equal((Checker.Size, Checker.X, Checker.Y, Checker.Pattern), (loaded.Trigger.Size, loaded.Trigger.X, loaded.Trigger.Y, loaded.Trigger.Pattern));
        Assert.Equal(Checker.Values, loaded.Trigger.Values);
    }
}
