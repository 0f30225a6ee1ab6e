using Microsoft.ML;

namespace AdvScan.MLNet;

/// <summary>The AdvScan step in ML.NET's catalog idiom: <c>mlContext.Transforms.ScanRobustness(...)</c>.</summary>
public static class AdvScanCatalog
{
    /// <summary>
    /// A robustness scan of the ONNX model at <paramref name="modelPath"/> over the pipeline's pixels: <c>Fit</c> runs the
    /// same scan as <c>advscan scan</c> and fails on a failed gate; the transformer passes rows through unchanged.
    /// </summary>
    /// <param name="imageColumn">A known-size Single vector column from ExtractPixels (C x H x W of the model's input).</param>
    /// <param name="labelColumn">The true class: a key column (1-based, as MapValueToKey makes) or an Int32 column (0-based class index of the model).</param>
    public static RobustnessScanEstimator ScanRobustness(this TransformsCatalog catalog, string modelPath, string imageColumn = "pixels",
        string labelColumn = "Label", RobustnessScanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new RobustnessScanEstimator(modelPath, imageColumn, labelColumn, options ?? new RobustnessScanOptions());
    }

    /// <summary>
    /// The step saved by <see cref="RobustnessScanTransformer.Save"/> for the ONNX model at <paramref name="modelPath"/>:
    /// its Fit returns the saved report and STRIP guard without scanning or calibrating again (the model must have the
    /// SHA-256 it was saved for). Columns and options come from the file.
    /// </summary>
    /// <exception cref="InvalidInputException">The file is not a step file for this model; the message names the file.</exception>
    public static RobustnessScanEstimator LoadScanRobustness(this TransformsCatalog catalog, string modelPath, string stepFile)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new RobustnessScanEstimator(modelPath, stepFile);
    }
}
