using AdvScan.Attacks;

namespace AdvScan.Checks.Backdoor;

/// <summary>
/// A calibrated STRIP filter, usable without a scan (for example in front of a served model): calibrate on clean
/// images, then score any input by the entropy of the predictions on it superimposed with the overlay images, and
/// flag it as carrying a trigger when the entropy is below the threshold. Scores come from an
/// <see cref="IScoreOracle"/> (ONNX Runtime in a scan); logits and probabilities are both accepted.
/// </summary>
public sealed class StripDetector
{
    private readonly IScoreOracle oracle;
    private readonly float[] overlays;

    private StripDetector(IScoreOracle oracle, float[] overlays, long[] imageShape, double threshold, IReadOnlyList<double> calibration, StripOptions options)
    {
        this.oracle = oracle;
        this.overlays = overlays;
        ImageShape = imageShape;
        Threshold = threshold;
        CalibrationEntropies = calibration;
        Options = options;
    }

    /// <summary>[C,H,W] of the images this detector takes.</summary>
    public long[] ImageShape { get; }

    /// <summary>Inputs whose entropy is strictly below this are flagged.</summary>
    public double Threshold { get; }

    /// <summary>The clean calibration images' entropies, ascending.</summary>
    public IReadOnlyList<double> CalibrationEntropies { get; }

    public StripOptions Options { get; }

    /// <summary>The share of the calibration images the threshold rejects (at most the requested rate).</summary>
    public double CalibrationFalseRejection => CalibrationEntropies.Count(e => e < Threshold) / (double)CalibrationEntropies.Count;

    /// <summary>The overlay images ([<see cref="StripOptions.Overlays"/>, C, H, W] pixels in [0,1]): with the threshold, all a saved detector needs.</summary>
    public ReadOnlySpan<float> OverlayPixels => overlays;

    /// <summary>
    /// A detector calibrated earlier (its overlays, threshold and calibration entropies read back from a saved file),
    /// scoring with <paramref name="oracle"/>. Sizes are checked against each other, since the parts come from a file.
    /// </summary>
    public static StripDetector Restore(IScoreOracle oracle, float[] overlays, long[] imageShape, double threshold, IReadOnlyList<double> calibrationEntropies, StripOptions options)
    {
        ArgumentNullException.ThrowIfNull(oracle);
        options.Validate();
        if (imageShape.Length != 3 || imageShape.Any(d => d < 1))
            throw new InvalidInputException(null, $"a STRIP detector's image shape must be [C,H,W] of positive sizes, got [{string.Join(",", imageShape)}]");
        long size = imageShape[0] * imageShape[1] * imageShape[2];
        if (overlays.Length != options.Overlays * size)
            throw new InvalidInputException(null, $"a STRIP detector with {options.Overlays} overlays of {size} values needs {options.Overlays * size} overlay values, got {overlays.Length}");
        if (!double.IsFinite(threshold) || calibrationEntropies.Count < 2 || calibrationEntropies.Any(e => !double.IsFinite(e)))
            throw new InvalidInputException(null, "a STRIP detector needs a finite threshold and at least 2 finite calibration entropies");
        return new StripDetector(oracle, overlays, imageShape, threshold, calibrationEntropies.Order().ToArray(), options);
    }

    /// <summary>
    /// Draws the overlays from <paramref name="clean"/> ([N,C,H,W] pixels in [0,1]) with the options' seed and sets the
    /// threshold at the empirical quantile of the clean images' own entropies for the false-rejection rate (no
    /// normal fit: the empirical rate is what a user gets on data like the calibration set).
    /// </summary>
    public static StripDetector Calibrate(IScoreOracle oracle, float[] clean, long[] shape, StripOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        int n = checked((int)shape[0]);
        if (n < 2) throw new InvalidInputException(null, $"STRIP calibration needs at least 2 clean images, got {n}");
        int size = checked((int)(shape[1] * shape[2] * shape[3]));
        var order = Enumerable.Range(0, n).ToArray();
        new Random(options.Seed).Shuffle(order);
        int count = Math.Min(options.Overlays, n);
        var overlays = new float[count * size];
        for (int i = 0; i < count; i++) clean.AsSpan(order[i] * size, size).CopyTo(overlays.AsSpan(i * size, size));
        var probe = new StripDetector(oracle, overlays, shape[1..], double.NaN, [], options with { Overlays = count });
        var entropies = probe.Entropies(clean, shape, cancellationToken).Order().ToArray();
        // Entropies strictly below the k-th smallest are rejected: exactly floor(rate * n) of them when they are distinct.
        int k = (int)Math.Floor(options.FalseRejectionRate * n);
        double threshold = entropies[Math.Min(k, n - 1)];
        return new StripDetector(oracle, overlays, shape[1..], threshold, entropies, probe.Options);
    }

    /// <summary>The STRIP entropy (bits, averaged over the overlays) of each input ([N,C,H,W] pixels in [0,1]).</summary>
    public double[] Entropies(float[] inputs, long[] shape, CancellationToken cancellationToken = default)
    {
        if (shape.Length != 4 || shape[1] != ImageShape[0] || shape[2] != ImageShape[1] || shape[3] != ImageShape[2])
            throw new InvalidInputException(null,
                $"STRIP was calibrated on {string.Join("x", ImageShape)} images but is given {string.Join("x", shape.Skip(1))} images");
        int n = checked((int)shape[0]), size = checked((int)(shape[1] * shape[2] * shape[3]));
        int count = overlays.Length / size;
        var result = new double[n];
        var blends = new float[count * size];
        for (int i = 0; i < n; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var input = inputs.AsSpan(i * size, size);
            for (int o = 0; o < count; o++)
                for (int p = 0; p < size; p++) blends[o * size + p] = Math.Min(1f, input[p] + overlays[o * size + p]);
            var scores = oracle.Scores(blends, [count, shape[1], shape[2], shape[3]]);
            int classes = scores.Length / count;
            double sum = 0;
            for (int o = 0; o < count; o++) sum += Entropy(scores.AsSpan(o * classes, classes));
            result[i] = sum / count;
        }
        return result;
    }

    /// <summary>Whether each input is flagged as carrying a trigger (entropy below the threshold).</summary>
    public bool[] Flags(float[] inputs, long[] shape, CancellationToken cancellationToken = default) =>
        Entropies(inputs, shape, cancellationToken).Select(e => e < Threshold).ToArray();

    /// <summary>Shannon entropy in bits of one score row: softmax of logits, or the row itself when it already is a distribution.</summary>
    internal static double Entropy(ReadOnlySpan<float> row)
    {
        bool probabilities = true;
        double total = 0;
        foreach (var v in row)
        {
            if (v < 0 || v > 1) probabilities = false;
            total += v;
        }
        probabilities &= Math.Abs(total - 1) < 1e-3;
        var p = new double[row.Length];
        if (probabilities)
            for (int c = 0; c < row.Length; c++) p[c] = row[c];
        else
        {
            double max = double.NegativeInfinity;
            foreach (var v in row) max = Math.Max(max, v);
            double z = 0;
            for (int c = 0; c < row.Length; c++) z += p[c] = Math.Exp(row[c] - max);
            for (int c = 0; c < row.Length; c++) p[c] /= z;
        }
        double h = 0;
        foreach (var q in p) if (q > 0) h -= q * Math.Log2(q);
        return h;
    }
}
