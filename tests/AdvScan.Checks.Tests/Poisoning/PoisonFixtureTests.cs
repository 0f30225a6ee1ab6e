using AdvScan.Data;
using System.Text.Json;
using AdvScan.Training;
using static AdvScan.Checks.Tests.Poisoning.PoisonFixtures;

namespace AdvScan.Checks.Tests.Poisoning;

/// <summary>The poisoning fixtures are what they claim: a part of mnist-badnets' own training set with its recorded poison.</summary>
public class PoisonFixtureTests
{
    [Fact]
    public void The_poisoned_subsets_truth_is_the_models_recorded_poison_and_every_poisoned_image_carries_the_trigger_and_label_7()
    {
        var model = BackdoorGroundTruth.Load(File("mnist-badnets.backdoor.json"));
        var subset = BackdoorGroundTruth.Load(PoisonedTruth);
        using var record = JsonDocument.Parse(System.IO.File.ReadAllText(File("mnist-train-subsets.json")));
        var sources = record.RootElement.GetProperty("poisonedSubsetSourceIndices").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var cleanSources = record.RootElement.GetProperty("cleanSubsetSourceIndices").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var recorded = model.PoisonedIndices.ToHashSet();
        Assert.Equal(Enumerable.Range(0, sources.Length).Where(i => recorded.Contains(sources[i])), subset.PoisonedIndices);
        Assert.Empty(sources.Intersect(cleanSources));

        var set = IdxFormat.Read(PoisonedImages, PoisonedLabels, Architectures.MnistClasses);
        var stamped = new float[set.ImageSize];
        foreach (var i in subset.PoisonedIndices)
        {
            Assert.Equal(model.TargetClass, set.Labels[i]);
            set.Image(i).CopyTo(stamped);
            model.Trigger.Stamp(stamped, 1, 28, 28);
            Assert.Equal(stamped, set.Image(i).ToArray());
        }
        var clean = IdxFormat.Read(CleanImages, CleanLabels, Architectures.MnistClasses);
        Assert.Equal(set.Count, clean.Count);
        Assert.Equal(Enumerable.Range(0, 10), clean.Labels.Distinct().Order());
    }
}
