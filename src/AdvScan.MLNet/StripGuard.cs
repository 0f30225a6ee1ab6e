using AdvScan.Checks.Backdoor;
using AdvScan.Data;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;

namespace AdvScan.MLNet;

/// <summary>
/// The fitted STRIP guard: a <see cref="StripDetector"/> calibrated on clean rows, scoring each row on its own
/// (one ONNX Runtime call over its overlays), so a row's entropy does not depend on the rows around it.
/// </summary>
public sealed class StripGuard : IDisposable
{
    private readonly ReferenceSession runtime;
    private readonly ImageGeometry geometry;

    private StripGuard(ReferenceSession runtime, StripDetector detector, ImageGeometry geometry, int calibrationRows)
    {
        this.runtime = runtime;
        Detector = detector;
        this.geometry = geometry;
        CalibrationRows = calibrationRows;
    }

    /// <summary>The calibrated detector: its threshold, the calibration entropies, the options it ran with.</summary>
    public StripDetector Detector { get; }

    /// <summary>Entropies strictly below this (bits) are flagged.</summary>
    public double Threshold => Detector.Threshold;

    /// <summary>How many clean rows the threshold was set on.</summary>
    public int CalibrationRows { get; }

    /// <summary>
    /// Calibrates on the first <see cref="StripGuardOptions.Calibration"/> rows of a seeded shuffle of <paramref name="clean"/>
    /// ([0,1] CHW pixels): the shuffle and the overlay draw are the <c>strip</c> check's (<see cref="Random.Shuffle{T}(T[])"/>
    /// of the row order with the seed), so a data view holding a scan's sample calibrates on the rows the check does.
    /// </summary>
    internal static StripGuard Calibrate(string modelPath, ScanConfig config, float[][] clean, ImageGeometry geometry, StripGuardOptions options)
    {
        int seed = options.Seed ?? SeedFolding.Fold(config.Seed);
        var order = Enumerable.Range(0, clean.Length).ToArray();
        new Random(seed).Shuffle(order);
        int count = Math.Min(options.Calibration, clean.Length);
        int size = geometry.PixelsPerImage;
        var pixels = new float[count * size];
        for (int i = 0; i < count; i++) clean[order[i]].CopyTo(pixels, i * size);
        return Open(modelPath, config, geometry, oracle => StripDetector.Calibrate(oracle, pixels, [count, geometry.Channels, geometry.Height, geometry.Width],
            new StripOptions(options.Overlays, options.FalseRejectionRate, seed)), count);
    }

    /// <summary>A guard calibrated earlier, read back from a step file: nothing is calibrated again.</summary>
    internal static StripGuard Restore(string modelPath, ScanConfig config, ImageGeometry geometry, SavedGuard saved, string stepFile)
    {
        if (!saved.ImageShape.SequenceEqual(new long[] { geometry.Channels, geometry.Height, geometry.Width }))
            throw new InvalidInputException(stepFile, $"the saved STRIP guard takes [{string.Join(",", saved.ImageShape)}] images, the step's image column holds [{geometry.Channels},{geometry.Height},{geometry.Width}]");
        // The parts come from a file: a size that does not fit is the file's fault, and said so.
        try
        {
            return Open(modelPath, config, geometry, oracle => StripDetector.Restore(oracle, saved.Overlays, saved.ImageShape, saved.Threshold, saved.CalibrationEntropies, saved.Options),
                saved.CalibrationRows);
        }
        catch (InvalidInputException e) when (e.File is null)
        {
            throw new InvalidInputException(stepFile, e.Problem, inner: e);
        }
    }

    private static StripGuard Open(string modelPath, ScanConfig config, ImageGeometry geometry, Func<RuntimeOracle, StripDetector> detector, int calibrationRows)
    {
        var model = OnnxModel.Load(modelPath);
        var runtime = RuntimeSessions.Open(model);
        try
        {
            var oracle = new RuntimeOracle(runtime, DataViewDatasetSource.MappingOf(config, model).ToModelInputHost);
            return new StripGuard(runtime, detector(oracle), geometry, calibrationRows);
        }
        catch
        {
            runtime.Dispose();
            throw;
        }
    }

    /// <summary>The STRIP entropy of one row's [0,1] CHW pixels.</summary>
    public double Entropy(float[] pixels) =>
        Detector.Entropies(pixels, [1, geometry.Channels, geometry.Height, geometry.Width])[0];

    /// <summary>Releases the guard's ONNX Runtime session.</summary>
    public void Dispose() => runtime.Dispose();
}
