using AdvScan.Checks.Poisoning;
using Xunit.Abstractions;
using static AdvScan.Checks.Tests.Poisoning.PoisonFixtures;

namespace AdvScan.Checks.Tests.Poisoning;

public class PoisonScreeningTests(ITestOutputHelper output)
{
    private void Print(PoisoningResult r)
    {
        foreach (var v in r.Verdicts)
            output.WriteLine($"{v.Method,-10} class {v.Class}: n={v.Count} minority={v.MinorityShare:F3} silhouette={v.Silhouette:F3} separation={v.Separation:F2} flagged={v.Flagged} marked={v.Marked.Count}");
        foreach (var t in r.Truth ?? []) output.WriteLine($"{t.Method}: marked {t.Marked}, precision {t.Precision:F3}, recall {t.Recall:F3}");
        output.WriteLine($"suspected {r.Suspected.Count} of {r.Samples}");
    }

    [Fact]
    public void Activation_clustering_finds_the_recorded_badnets_poison_and_flags_the_target_class()
    {
        var result = Screen("mnist-badnets.onnx", PoisonedImages, PoisonedLabels,
            new PoisoningSettings(PoisonedImages, PoisonedLabels, Truth: PoisonedTruth));
        Print(result);
        Assert.Equal([7], result.FlaggedClasses);
        var clustering = result.Truth!.Single(t => t.Method == ActivationClustering.Name);
        Assert.Equal(297, clustering.Poisoned);
        Assert.True(clustering.Precision >= 0.9, $"precision {clustering.Precision}");
        Assert.True(clustering.Recall >= 0.8, $"recall {clustering.Recall}");
    }

    [Fact]
    public void Clean_training_data_flags_no_class_and_marks_under_two_percent()
    {
        var result = Screen("mnist-badnets.onnx", CleanImages, CleanLabels);
        Print(result);
        Assert.Empty(result.FlaggedClasses);
        Assert.True(result.Suspected.Count < 0.02 * result.Samples, $"{result.Suspected.Count} of {result.Samples} marked");
    }
}
