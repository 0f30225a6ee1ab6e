using AdvScan.Data;
using AdvScan.Checks.Poisoning;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using AdvScan.Engine;
using AdvScan.Training;
using static AdvScan.Checks.Tests.Poisoning.PoisonFixtures;

namespace AdvScan.Checks.Tests.Poisoning;

public class PoisoningCheckTests : IDisposable
{
    // Each test writes its files here; the folder goes with the test instead of piling up in the temp folder.
    private readonly string folder = Directory.CreateTempSubdirectory("advscan-poison").FullName;

    /// <summary>The context the scanner would hand the check: the model, ONNX Runtime, its held-out data and OpenData for the training set.</summary>
    private static CheckReport RunCheck(string model, PoisoningSettings settings)
    {
        var onnx = OnnxModel.Load(File(model));
        using var runtime = ReferenceSession.Open(onnx);
        using var heldOut = DatasetSource.Open(File("mnist-test-images-idx3-ubyte"), File("mnist-test-labels-idx1-ubyte"), null, onnx);
        using var graph = OnnxGraph.Import(onnx);
        var context = new CheckContext(() => graph)
        {
            Model = onnx,
            Runtime = runtime,
            Dataset = heldOut,
            Sample = [],
            Indices = [],
            BatchSize = 128,
            OpenData = (path, labels) => DatasetSource.Open(path, labels, null, onnx),
        };
        var check = new PoisoningCheck();
        return check.Run(context, settings);
    }

    [Fact]
    public void The_check_reports_class_7_its_ranked_located_suspects_and_an_image_grid()
    {
        var settings = new PoisoningSettings(PoisonedImages, PoisonedLabels, Truth: PoisonedTruth, Seed: 3);
        var report = RunCheck("mnist-badnets.onnx", settings);

        Assert.Equal(1, report.Metrics.Single(m => m.Metric == "poisonFlaggedClasses").Value);
        var share = report.Metrics.Single(m => m.Metric == "poisonSuspectedShare");
        Assert.NotNull(share.Proportion);
        Assert.Equal(3000, share.Proportion!.Value.Trials);
        var finding = Assert.Single(report.Findings);
        Assert.Equal(DiagnosticIds.PoisonFlaggedClasses, finding.Rule.Id);
        Assert.Equal([7], finding.Classes!);
        Assert.Contains("clustering marked the smaller cluster (label agreement", finding.Message);
        var truth = BackdoorGroundTruth.Load(PoisonedTruth).PoisonedIndices.ToHashSet();
        // Ranked most suspicious first; the head of the list is poison, and every suspect names its file and row.
        Assert.All(finding.Samples!.Take(50), s => Assert.Contains(s.Index, truth));
        Assert.All(finding.Samples!, s => Assert.Equal($"{PoisonedImages}[{s.Index}]", s.Location));
        Assert.Equal(finding.Samples!.Select(s => s.Score).OrderByDescending(x => x), finding.Samples!.Select(s => s.Score));
        Assert.Equal(24, report.Images.Count);
        Assert.All(report.Images, i => Assert.Equal([1L, 28, 28], i.Shape));
        Assert.Contains(report.Tables, t => t.Columns.Contains("precision"));

        // Same seed, same ids: PoisonCommandTests compares two runs' JSON reports byte for byte.
    }

    [Fact]
    public void Clean_held_out_digits_and_clothes_of_the_clean_models_flag_no_class()
    {
        foreach (var (model, data) in new[] { ("mnist-cnn.onnx", "mnist-test"), ("fashion-cnn.onnx", "fashion-test") })
        {
            var images = File($"{data}-images-idx3-ubyte");
            var result = Screen(model, images, File($"{data}-labels-idx1-ubyte"), new PoisoningSettings(images));
            Assert.Empty(result.FlaggedClasses);
            Assert.Empty(result.Suspected);
        }
    }

    [Fact]
    public void Labels_beyond_the_models_classes_are_a_located_error_naming_the_file()
    {
        var labels = Path.Combine(folder, "labels-idx1-ubyte");
        var bytes = System.IO.File.ReadAllBytes(CleanLabels);
        bytes[8 + 5] = 12;
        System.IO.File.WriteAllBytes(labels, bytes);
        var e = Assert.Throws<InvalidInputException>(() => RunCheck("mnist-badnets.onnx", new PoisoningSettings(CleanImages, labels)));
        Assert.Contains("12", e.Problem);
        Assert.Contains("outside", e.Message);
        Assert.Contains(Path.GetFileName(labels), e.Message + e.File);
    }

    [Fact]
    public void A_class_without_samples_is_an_error_naming_the_class_and_the_file()
    {
        var set = IdxFormat.Read(CleanImages, CleanLabels, Architectures.MnistClasses);
        var noThrees = set.Subset(Enumerable.Range(0, set.Count).Where(i => set.Labels[i] != 3).ToArray());
        var images = Path.Combine(folder, "images-idx3-ubyte");
        var labels = Path.Combine(folder, "labels-idx1-ubyte");
        IdxFormat.Write(noThrees, images, labels);
        var e = Assert.Throws<InvalidInputException>(() => RunCheck("mnist-badnets.onnx", new PoisoningSettings(images, labels)));
        Assert.Contains("class 3", e.Problem);
        Assert.Contains("images-idx3-ubyte", e.File);
    }

    [Fact]
    public void A_named_layer_the_model_lacks_fails_before_any_sample_is_read()
    {
        var e = Assert.Throws<InvalidInputException>(() => RunCheck("mnist-badnets.onnx", new PoisoningSettings(CleanImages, CleanLabels, Layer: "penultimate")));
        Assert.Equal(File("mnist-badnets.onnx"), e.File);
        Assert.Contains("'penultimate'", e.Problem);
        Assert.Contains("candidates", e.Problem);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
