using AdvScan.Reporting;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AdvScan.MLNet.Tests;

/// <summary>The step fed ML.NET's MLImage column (LoadImages, ResizeImages) instead of ExtractPixels' float vector.</summary>
public sealed class ImageColumnTests
{
    private static RobustnessScanOptions Options() => new() { Attack = "fgsm", Epsilon = 0.02, SampleSize = 30, Seed = 6 };

    private static IEstimator<ITransformer> Loaded(MLContext ml, int size) =>
        ml.Transforms.LoadImages("image", imageFolder: "", inputColumnName: nameof(SignRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("image", size, size));

    [Fact]
    public void An_MLImage_column_gives_the_same_scan_and_the_same_audit_columns_as_the_ExtractPixels_vector_of_the_same_images()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(SignsPipeline.Rows());
        var byImage = Loaded(ml, 32).Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "image", "Label", Options())).Fit(data);
        var byVector = SignsPipeline.Images(ml).Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "pixels", "Label", Options())).Fit(data);

        var imageReport = byImage.LastTransformer.Report;
        Assert.True(imageReport.CleanAccuracy.Value > 0.9, $"clean accuracy {imageReport.CleanAccuracy.Value}: channels or scale misread");
        Assert.Equal(ScanReportJson.Serialize(byVector.LastTransformer.Report with { Data = "" }), ScanReportJson.Serialize(imageReport with { Data = "" }));
        var imageRows = byImage.Transform(data);
        var vectorRows = byVector.Transform(data);
        Assert.Equal(vectorRows.GetColumn<bool>(AdvScanColumns.Robust), imageRows.GetColumn<bool>(AdvScanColumns.Robust));
        Assert.Equal(vectorRows.GetColumn<float>(AdvScanColumns.PerturbationNorm), imageRows.GetColumn<float>(AdvScanColumns.PerturbationNorm));
    }

    [Fact]
    public void An_MLImage_column_of_another_size_than_the_models_input_is_rejected_naming_the_column_and_both_sizes()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(SignsPipeline.Rows());
        var pipeline = Loaded(ml, 28).Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "image", "Label", Options()));

        var e = Assert.Throws<InvalidOperationException>(() => pipeline.Fit(data));

        Assert.Contains("'image'", e.Message);
        Assert.Contains("32x32", e.Message);
        Assert.Contains("28x28", e.Message);
    }
}
