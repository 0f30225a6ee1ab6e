using AdvScan.Checks;
using AdvScan.Reporting;
using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AdvScan.MLNet.Tests;

/// <summary>The scan step in a real MLContext pipeline over the signs-test PNGs and the signs-cnn model (ONNX Runtime verdicts).</summary>
public sealed class RobustnessScanEstimatorTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("advscan-mlnet-tests-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Config(string gates)
    {
        var path = Path.Combine(folder, "advscan.json");
        File.WriteAllText(path, $$"""
            {
              "model": "{{SignsPipeline.SignsModel}}",
              "data": { "path": "{{SignsPipeline.SignsFolder}}" },
              "sample": { "size": 40, "seed": 11 },
              "attacks": [ { "id": "pgd", "attack": "pgd", "eps": [0.01, 0.03], "steps": 5 } ],
              "gates": [ {{gates}} ]
            }
            """);
        return path;
    }

    private static ScanReport CliScan(string configPath)
    {
        // What `advscan scan` composes (ScanCommand.Services) and runs, over the PNG folder read by AdvScan's own reader.
        var services = new ServiceCollection().AddAdvScanScanner().AddAdvScanChecks();
        using var provider = services.BuildServiceProvider();
        var scanner = provider.GetRequiredService<Scanner>();
        return scanner.Run(ScanConfigReader.Load(configPath, scanner.Registry));
    }

    private static IDataView SignsData(MLContext ml) => ml.Data.LoadFromEnumerable(SignsPipeline.Rows());

    [Fact]
    public void Fit_on_a_passing_config_returns_the_same_report_as_the_CLI_on_the_same_sample_and_seed()
    {
        var config = Config("""{ "metric": "cleanAccuracy", "min": 0.5 }""");
        var ml = new MLContext(seed: 1);
        var pipeline = SignsPipeline.Images(ml)
            .Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "pixels", "Label", new RobustnessScanOptions { ConfigPath = config }));

        var step = pipeline.Fit(SignsData(ml)).LastTransformer;
        var cli = CliScan(config);

        Assert.True(step.Report.Passed);
        Assert.Equal(40, step.Report.Examples);
        // Everything but the description of where the rows came from (a folder vs an IDataView column) must agree, byte
        // for byte: sample, pixels, clean and robust accuracy, perturbations, gallery images and gate verdicts.
        Assert.Equal(ScanReportJson.Serialize(cli with { Data = "" }), ScanReportJson.Serialize(step.Report with { Data = "" }));
        Assert.Contains("IDataView column 'pixels'", step.Report.Data);
    }

    [Fact]
    public void A_strict_robustness_gate_makes_Fit_throw_a_RobustnessGateException_carrying_the_report()
    {
        var ml = new MLContext(seed: 1);
        var options = new RobustnessScanOptions { Attack = "pgd", Epsilon = 0.1, Steps = 5, SampleSize = 20, Seed = 3, MinRobustAccuracy = 0.99 };
        var pipeline = SignsPipeline.Images(ml).Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "pixels", "Label", options));

        var e = Assert.Throws<RobustnessGateException>(() => pipeline.Fit(SignsData(ml)));

        Assert.False(e.Report.Passed);
        var gate = Assert.Single(e.Report.Gates);
        Assert.Equal(GateStatus.Fail, gate.Status);
        Assert.Contains(gate.Message, e.Message);
        // The attack really ran and really broke examples: ONNX Runtime saw robust accuracy below the clean one.
        Assert.True(e.Report.Attacks[0].Result.Curve[^1].RobustAccuracy.Value < e.Report.CleanAccuracy.Value);
    }

    [Fact]
    public void A_pixel_vector_of_the_wrong_size_fails_before_any_scan_naming_the_column()
    {
        var ml = new MLContext(seed: 1);
        var pipeline = SignsPipeline.Images(ml, size: 28)
            .Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "pixels", "Label", new RobustnessScanOptions { Steps = 1 }));

        var e = Assert.Throws<InvalidOperationException>(() => pipeline.Fit(SignsData(ml)));

        Assert.Contains("'pixels'", e.Message);
        Assert.Contains("3072", e.Message);
        Assert.Contains("2352", e.Message);
    }

    [Fact]
    public void Schema_propagation_rejects_a_label_of_the_wrong_type_and_a_missing_image_column_by_name()
    {
        var ml = new MLContext(seed: 1);
        var data = SignsData(ml);
        // EstimatorChain.Fit propagates SchemaShape through every step's GetOutputSchema before it fits the first one.
        var wrongLabel = Assert.Throws<InvalidOperationException>(() => SignsPipeline.Images(ml)
            .Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "pixels", nameof(SignRow.ClassName))).Fit(data));
        var missing = Assert.Throws<InvalidOperationException>(() => SignsPipeline.Images(ml)
            .Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "features", "Label")).Fit(data));

        Assert.Contains("'ClassName'", wrongLabel.Message);
        Assert.Contains("String", wrongLabel.Message);
        Assert.Contains("'features'", missing.Message);
    }

    [Fact]
    public void Key_labels_from_MapValueToKey_are_read_1_based_and_give_the_integer_labels_clean_accuracy()
    {
        var ml = new MLContext(seed: 1);
        var data = SignsData(ml);
        // Key order taken from the model's class list, so key k is class k - 1.
        var keys = ml.Data.LoadFromEnumerable(SignsPipeline.Classes.Select(c => new SignRow { ClassName = c }));
        RobustnessScanOptions Options() => new() { Attack = "fgsm", Epsilon = 0.01, SampleSize = 30, Seed = 5 };
        var byKey = SignsPipeline.Images(ml)
            .Append(ml.Transforms.Conversion.MapValueToKey("Key", nameof(SignRow.ClassName), keyData: ml.Transforms.SelectColumns(nameof(SignRow.ClassName)).Fit(keys).Transform(keys)))
            .Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "pixels", "Key", Options()));
        var byInt = SignsPipeline.Images(ml).Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "pixels", "Label", Options()));

        var keyReport = byKey.Fit(data).LastTransformer.Report;
        var intReport = byInt.Fit(data).LastTransformer.Report;

        Assert.Equal(intReport.CleanAccuracy, keyReport.CleanAccuracy);
        Assert.True(keyReport.CleanAccuracy.Value > 0.9, $"signs-cnn is ~99% accurate; {keyReport.CleanAccuracy.Value} means the labels are shifted");
        Assert.Equal(ScanReportJson.Serialize(intReport with { Data = "" }), ScanReportJson.Serialize(keyReport with { Data = "" }));
    }

    [Fact]
    public void Interleaved_and_offset_pixels_are_undone_to_the_same_scan_as_plain_CHW_pixels()
    {
        var ml = new MLContext(seed: 1);
        var data = SignsData(ml);
        RobustnessScanOptions Options(bool interleave, float offset, float? scale) =>
            new() { Attack = "fgsm", Epsilon = 0.02, SampleSize = 20, Seed = 9, Interleave = interleave, Offset = offset, Scale = scale };
        var plain = SignsPipeline.Images(ml).Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "pixels", "Label", Options(false, 0, null)));
        // HWC order, bytes shifted by 10 and scaled by 1/128: ML.NET writes (byte - 10) / 128 for each value.
        var shifted = ml.Transforms.LoadImages("image", imageFolder: "", inputColumnName: nameof(SignRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("image", 32, 32))
            .Append(ml.Transforms.ExtractPixels("pixels", "image", interleavePixelColors: true, offsetImage: 10, scaleImage: 1f / 128))
            .Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "pixels", "Label", Options(true, 10, 1f / 128)));

        var expected = plain.Fit(data).LastTransformer.Report;
        var actual = shifted.Fit(data).LastTransformer.Report;

        Assert.True(expected.CleanAccuracy.Value > 0.9);
        Assert.Equal(ScanReportJson.Serialize(expected with { Data = "" }), ScanReportJson.Serialize(actual with { Data = "" }));
    }

    [Fact]
    public void Saving_a_fitted_chain_with_the_step_fails_with_a_NotSupportedException_that_names_what_ML_NET_keeps_internal()
    {
        var ml = new MLContext(seed: 1);
        var data = SignsData(ml);
        var fitted = SignsPipeline.Images(ml)
            .Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "pixels", "Label", new RobustnessScanOptions { Attack = "fgsm", Epsilon = 0.01, SampleSize = 10 }))
            .Fit(data);

        var e = Assert.Throws<NotSupportedException>(() => ml.Model.Save(fitted, data.Schema, Path.Combine(folder, "pipeline.zip")));

        Assert.Contains("ModelSaveContext", e.Message);
        Assert.Contains("save the fitted chain without this step", e.Message);
    }
}
