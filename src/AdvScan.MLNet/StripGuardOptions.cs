namespace AdvScan.MLNet;

/// <summary>
/// The STRIP serving guard (Gao et al., 2019) the step calibrates at Fit: each row is superimposed with
/// <see cref="Overlays"/> clean images, and a row whose mean prediction entropy is below the threshold set on clean
/// rows is flagged in <see cref="AdvScanColumns.SuspectedTrigger"/>. The same <c>StripDetector</c> as the
/// <c>strip</c> check and <c>advscan strip</c>; every blend is scored by ONNX Runtime.
/// </summary>
public sealed class StripGuardOptions
{
    /// <summary>
    /// Clean rows the threshold is calibrated on and the overlays drawn from: a seeded shuffle of the calibration data's
    /// rows, the first this many (all when fewer). The rows should be clean (no trigger) and like the served inputs.
    /// </summary>
    public int Calibration { get; init; } = 100;

    /// <summary>Clean images superimposed on every row (the same draw for every row, so a row's score does not depend on its neighbours).</summary>
    public int Overlays { get; init; } = 20;

    /// <summary>The share of the clean calibration rows the threshold may reject (the empirical quantile; no normal fit).</summary>
    public double FalseRejectionRate { get; init; } = 0.05;

    /// <summary>Seeds the calibration draw and the overlays; null takes the scan's seed (folded to 32 bits as the strip check folds it).</summary>
    public int? Seed { get; init; }

    /// <summary>
    /// Where the clean calibration rows come from: a data view with the same image column (and the pipeline's same
    /// upstream steps applied); null calibrates on the data given to Fit.
    /// </summary>
    public Microsoft.ML.IDataView? CalibrationData { get; init; }
}
