using AdvScan.Data;
using AdvScan.Checks.Poisoning;
using AdvScan.Training;
using Xunit.Abstractions;
using static AdvScan.Checks.Tests.Poisoning.PoisonFixtures;

namespace AdvScan.Checks.Tests.Poisoning;

public class PoisonScreeningTests(ITestOutputHelper output) : IDisposable
{
    // Each test writes its files here; the folder goes with the test instead of piling up in the temp folder.
    private readonly string folder = Directory.CreateTempSubdirectory("advscan-poison-majority").FullName;

    private void Print(PoisoningResult r)
    {
        foreach (var v in r.Verdicts)
            output.WriteLine($"{v.Method,-10} class {v.Class}: n={v.Count} minority={v.MinorityShare:F3} silhouette={v.Silhouette:F3} separation={v.Separation:F2} flagged={v.Flagged} marked={v.Marked.Count} {v.Choice}");
        foreach (var t in r.Truth ?? []) output.WriteLine($"{t.Method}: marked {t.Marked}, precision {t.Precision:F3}, recall {t.Recall:F3}");
        output.WriteLine($"suspected {r.Suspected.Count} of {r.Samples}");
    }

    [Fact]
    public void Activation_clustering_finds_the_recorded_badnets_poison_flags_the_target_class_and_gives_the_same_ids_for_the_same_seed()
    {
        var result = Screen("mnist-badnets.onnx", PoisonedImages, PoisonedLabels,
            new PoisoningSettings(PoisonedImages, PoisonedLabels, Truth: PoisonedTruth));
        Print(result);
        Assert.Equal([7], result.FlaggedClasses);
        var clustering = result.Truth!.Single(t => t.Method == ActivationClustering.Name);
        Assert.Equal(297, clustering.Poisoned);
        Assert.True(clustering.Precision >= 0.9, $"precision {clustering.Precision}");
        Assert.True(clustering.Recall >= 0.8, $"recall {clustering.Recall}");
        // Spectral signatures centred on the genuine side mark only poison (centred on the class mean they read 0.69).
        var spectral = result.Truth!.Single(t => t.Method == SpectralSignatures.Name);
        Assert.True(spectral.Precision >= 0.9, $"spectral precision {spectral.Precision}");

        var again = Screen("mnist-badnets.onnx", PoisonedImages, PoisonedLabels, new PoisoningSettings(PoisonedImages, PoisonedLabels, Truth: PoisonedTruth));
        Assert.Equal(result.Suspected.Select(s => (s.Index, s.Score)), again.Suspected.Select(s => (s.Index, s.Score)));
        Assert.Equal(result.Verdicts.Select(v => (v.Separation, v.Silhouette, v.Choice)), again.Verdicts.Select(v => (v.Separation, v.Silhouette, v.Choice)));
    }

    [Fact]
    public void When_poison_outnumbers_the_genuine_samples_of_its_target_the_larger_cluster_is_marked()
    {
        // Drop 150 genuine 7s from the poisoned subset: class 7 then holds 297 poison and 177 genuine digits, and Chen et
        // al.'s smaller-cluster rule would mark the genuine ones. Label agreement in pixel space must pick the poison.
        var set = IdxFormat.Read(PoisonedImages, PoisonedLabels, Architectures.MnistClasses);
        var poison = BackdoorGroundTruth.Load(PoisonedTruth).PoisonedIndices.ToHashSet();
        var dropped = Enumerable.Range(0, set.Count).Where(i => set.Labels[i] == 7 && !poison.Contains(i)).Take(150).ToHashSet();
        var kept = Enumerable.Range(0, set.Count).Where(i => !dropped.Contains(i)).ToArray();
        var images = Path.Combine(folder, "images-idx3-ubyte");
        var labels = Path.Combine(folder, "labels-idx1-ubyte");
        IdxFormat.Write(set.Subset(kept), images, labels);
        var truth = Path.Combine(folder, "truth.backdoor.json");
        (BackdoorGroundTruth.Load(PoisonedTruth) with { TrainingImages = kept.Length, PoisonedIndices = Enumerable.Range(0, kept.Length).Where(i => poison.Contains(kept[i])).ToArray() }).Save(truth);

        var result = Screen("mnist-badnets.onnx", images, labels, new PoisoningSettings(images, labels, Method: PoisonMethod.Clustering, Truth: truth));
        Print(result);
        Assert.Equal([7], result.FlaggedClasses);
        var verdict = result.Verdicts.Single(v => v.Flagged);
        Assert.StartsWith("the larger cluster", verdict.Choice);
        var figures = result.Truth!.Single();
        Assert.True(figures.Precision >= 0.9 && figures.Recall >= 0.8, $"precision {figures.Precision}, recall {figures.Recall}");
    }

    [Fact]
    public void Clean_training_data_flags_no_class_and_marks_under_two_percent()
    {
        var result = Screen("mnist-badnets.onnx", CleanImages, CleanLabels);
        Print(result);
        Assert.Empty(result.FlaggedClasses);
        Assert.True(result.Suspected.Count < 0.02 * result.Samples, $"{result.Suspected.Count} of {result.Samples} marked");
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
