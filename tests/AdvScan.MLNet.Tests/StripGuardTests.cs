using System.Globalization;
using AdvScan.Checks.Backdoor;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace AdvScan.MLNet.Tests;

/// <summary>
/// The STRIP serving guard on the mnist-badnets model through real MLContext pipelines: calibrated at Fit on clean
/// digits, judged on held-out clean digits and on held-out digits carrying the planted trigger.
/// </summary>
public sealed class StripGuardTests(BadnetsDigits digits, ITestOutputHelper output) : IClassFixture<BadnetsDigits>, IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("advscan-mlnet-strip-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static bool[] Flags(ITransformer step, IDataView data) => step.Transform(data).GetColumn<bool>(AdvScanColumns.SuspectedTrigger).ToArray();

    [Fact]
    public void SuspectedTrigger_flags_at_least_90_percent_of_triggered_mnist_badnets_digits_at_no_more_than_5_percent_false_rejection()
    {
        var ml = new MLContext(seed: 1);
        using var step = ml.Transforms.ScanRobustness(BadnetsDigits.Model, nameof(DigitRow.Pixels), nameof(DigitRow.Label), BadnetsDigits.Options())
            .Fit(BadnetsDigits.Vectors(ml, digits.Sample));

        var triggered = Flags(step, BadnetsDigits.Vectors(ml, digits.Triggered));
        var heldOut = step.Transform(BadnetsDigits.Vectors(ml, digits.Held));
        var clean = heldOut.GetColumn<bool>(AdvScanColumns.SuspectedTrigger).ToArray();
        var entropies = heldOut.GetColumn<float>(AdvScanColumns.StripEntropy).ToArray();

        double detection = triggered.Count(f => f) / (double)triggered.Length;
        double falseRejection = clean.Count(f => f) / (double)clean.Length;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"threshold {step.Guard!.Threshold:0.####} bits on {step.Guard.CalibrationRows} rows; detection {triggered.Count(f => f)}/{triggered.Length} = {detection:P1}; false rejection {clean.Count(f => f)}/{clean.Length} = {falseRejection:P1}"));
        Assert.Equal(100, step.Guard.CalibrationRows);
        Assert.True(step.Guard.Detector.CalibrationFalseRejection <= 0.05);
        Assert.True(triggered.Length >= 150, $"only {triggered.Length} triggered digits");
        Assert.True(detection >= 0.9, $"STRIP flagged {detection:P1} of the triggered digits");
        Assert.True(falseRejection <= 0.05, $"STRIP rejected {falseRejection:P1} of the held-out clean digits");
        // The flag is the row's entropy against the calibrated threshold.
        Assert.Equal(entropies.Select(e => e < step.Guard.Threshold), clean);
        // Served rows without a label get the guard's columns and no audit.
        var unlabelled = step.Transform(ml.Data.LoadFromEnumerable(Enumerable.Range(0, 5).Select(i => new ServedDigit { Pixels = digits.Triggered.Image(i).ToArray() })));
        Assert.Null(unlabelled.Schema.GetColumnOrNull(AdvScanColumns.Robust));
        Assert.Equal(triggered.Take(5), unlabelled.GetColumn<bool>(AdvScanColumns.SuspectedTrigger));
    }

    [Fact]
    public void The_fitted_step_saved_beside_the_model_reloads_in_a_fresh_MLContext_and_flags_the_same_rows_without_refitting()
    {
        var file = Path.Combine(folder, "digits.advscan-step.json");
        float[] entropies;
        bool[] triggered;
        string report;
        double threshold;
        {
            var ml = new MLContext(seed: 1);
            using var step = ml.Transforms.ScanRobustness(BadnetsDigits.Model, nameof(DigitRow.Pixels), nameof(DigitRow.Label), BadnetsDigits.Options())
                .Fit(BadnetsDigits.Vectors(ml, digits.Sample));
            step.Save(file);
            entropies = step.Transform(BadnetsDigits.Vectors(ml, digits.Held)).GetColumn<float>(AdvScanColumns.StripEntropy).ToArray();
            triggered = Flags(step, BadnetsDigits.Vectors(ml, digits.Triggered));
            report = Reporting.ScanReportJson.Serialize(step.Report);
            threshold = step.Guard!.Threshold;
        }

        // A fresh context, fitted on triggered digits only: a guard calibrated on these would take a far lower threshold,
        // so equal figures show nothing was calibrated (or scanned) again.
        var fresh = new MLContext(seed: 99);
        using var loaded = fresh.Transforms.LoadScanRobustness(BadnetsDigits.Model, file).Fit(BadnetsDigits.Vectors(fresh, digits.Triggered));
        Assert.Equal(threshold, loaded.Guard!.Threshold);
        Assert.Equal(report, Reporting.ScanReportJson.Serialize(loaded.Report));
        Assert.Equal(entropies, loaded.Transform(BadnetsDigits.Vectors(fresh, digits.Held)).GetColumn<float>(AdvScanColumns.StripEntropy));
        Assert.Equal(triggered, Flags(loaded, BadnetsDigits.Vectors(fresh, digits.Triggered)));
        Assert.Contains(triggered, f => f);
    }

    [Fact]
    public void A_step_file_for_another_model_or_tampered_with_is_refused_in_one_line_naming_the_file()
    {
        var ml = new MLContext(seed: 1);
        var file = Path.Combine(folder, "step.json");
        var secret = Path.Combine(folder, "secret.txt");
        File.WriteAllText(secret, "not yours");
        var link = Path.Combine(folder, "link.json");
        File.CreateSymbolicLink(link, secret);
        using (var step = ml.Transforms.ScanRobustness(BadnetsDigits.Model, nameof(DigitRow.Pixels), nameof(DigitRow.Label), BadnetsDigits.Options())
            .Fit(BadnetsDigits.Vectors(ml, digits.Sample)))
        {
            step.Save(file);
            // Saving onto a link is refused: the file it points at is never written through.
            Assert.ThrowsAny<InvalidInputException>(() => step.Save(link));
            Assert.Equal("not yours", File.ReadAllText(secret));
        }
        var text = File.ReadAllText(file);

        // A FIFO named as the step file is refused by kind before it is opened (no read that blocks forever).
        var fifo = Path.Combine(folder, "step.fifo");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        var notFile = Assert.ThrowsAny<InvalidInputException>(() => ml.Transforms.LoadScanRobustness(BadnetsDigits.Model, fifo));
        Assert.Contains("FIFO", notFile.Message);

        var other = Assert.Throws<InvalidInputException>(() => ml.Transforms.LoadScanRobustness(BadnetsDigits.Fixture("mnist-cnn.onnx"), file));
        Assert.Contains("was saved for the model with SHA-256", other.Message);
        Assert.Equal(file, other.File);

        foreach (var (tag, forged) in new[]
        {
            ("truncated", text[..(text.Length / 2)]),
            ("overlays", System.Text.RegularExpressions.Regex.Replace(text, "\"overlays\": \\d+", "\"overlays\": 3")),
            ("threshold", System.Text.RegularExpressions.Regex.Replace(text, "\"threshold\": [^,]+", "\"threshold\": \"low\"")),
        })
        {
            var path = Path.Combine(folder, tag + ".json");
            File.WriteAllText(path, forged);
            Assert.NotEqual(text, forged);
            var error = Assert.ThrowsAny<InvalidInputException>(() => ml.Transforms.LoadScanRobustness(BadnetsDigits.Model, path).Fit(BadnetsDigits.Vectors(ml, digits.Held)));
            Assert.DoesNotContain("\n", error.Message);
        }
    }

    /// <summary>A digit as served: pixels, no label.</summary>
    public sealed class ServedDigit
    {
        [VectorType(28 * 28)]
        public float[] Pixels { get; set; } = [];
    }

    [Fact]
    public void The_guard_calibrated_in_a_pipeline_gives_the_strip_checks_threshold_and_counts_on_the_same_sample_and_seed()
    {
        var ml = new MLContext(seed: 1);
        using var step = ml.Transforms.ScanRobustness(BadnetsDigits.Model, nameof(DigitRow.Pixels), nameof(DigitRow.Label), BadnetsDigits.Options())
            .Fit(BadnetsDigits.Vectors(ml, digits.Sample));
        var triggered = Flags(step, BadnetsDigits.Vectors(ml, digits.Triggered));
        var clean = Flags(step, BadnetsDigits.Vectors(ml, digits.Held));

        var report = RunCheck();
        var rows = report.Tables.Single().Rows.ToDictionary(r => r[0], r => r[1]);
        var detection = report.Metrics.Single(m => m.Metric == "stripDetection").Proportion!.Value;

        Assert.Equal(rows["entropy threshold (bits)"], step.Guard!.Threshold.ToString("0.####", CultureInfo.InvariantCulture));
        Assert.Equal((detection.Successes, detection.Trials), (triggered.Count(f => f), triggered.Length));
        Assert.EndsWith($"({clean.Count(f => f)}/{clean.Length})", rows["false rejection on held-out clean images"]);
    }

    [Fact]
    public void Digits_read_from_PNG_files_by_LoadImages_ResizeImages_and_ExtractPixels_are_flagged_exactly_as_the_float_vectors()
    {
        var ml = new MLContext(seed: 1);
        var chain = BadnetsDigits.ImageChain(ml);
        var scan = ml.Transforms.ScanRobustness(BadnetsDigits.Model, nameof(DigitRow.Pixels), nameof(DigitRow.Label), BadnetsDigits.Options());
        var fromFiles = chain.Append(scan).Fit(BadnetsDigits.Files(ml, digits.Sample, Path.Combine(folder, "sample")));
        using var fromVectors = scan.Fit(BadnetsDigits.Vectors(ml, digits.Sample));

        Assert.Equal(fromVectors.Guard!.Threshold, fromFiles.LastTransformer.Guard!.Threshold);
        Assert.Equal(Flags(fromVectors, BadnetsDigits.Vectors(ml, digits.Triggered)), Flags(fromFiles, BadnetsDigits.Files(ml, digits.Triggered, Path.Combine(folder, "triggered"))));
        Assert.Equal(Flags(fromVectors, BadnetsDigits.Vectors(ml, digits.Held)), Flags(fromFiles, BadnetsDigits.Files(ml, digits.Held, Path.Combine(folder, "held"))));
        fromFiles.LastTransformer.Dispose();
    }

    [Fact]
    public void A_PredictionEngine_over_the_guard_flags_each_digit_as_Transform_does_and_refuses_while_audit_columns_are_on()
    {
        var ml = new MLContext(seed: 1);
        var options = BadnetsDigits.Options();
        using var serving = ml.Transforms.ScanRobustness(BadnetsDigits.Model, nameof(DigitRow.Pixels), nameof(DigitRow.Label),
            new RobustnessScanOptions { Attack = options.Attack, Epsilon = options.Epsilon, Seed = options.Seed, StripGuard = options.StripGuard, AuditColumns = false })
            .Fit(BadnetsDigits.Vectors(ml, digits.Sample));
        using var audited = ml.Transforms.ScanRobustness(BadnetsDigits.Model, nameof(DigitRow.Pixels), nameof(DigitRow.Label), options)
            .Fit(BadnetsDigits.Vectors(ml, digits.Sample));

        using var engine = ml.Model.CreatePredictionEngine<DigitRow, GuardVerdict>(serving);
        var served = Enumerable.Range(0, digits.Triggered.Count)
            .Select(i => engine.Predict(new DigitRow { Pixels = digits.Triggered.Image(i).ToArray(), Label = digits.Triggered.Labels[i] })).ToList();
        var e = Assert.Throws<NotSupportedException>(() => ml.Model.CreatePredictionEngine<DigitRow, GuardVerdict>(audited));

        var transformed = Flags(serving, BadnetsDigits.Vectors(ml, digits.Triggered));
        Assert.Equal(transformed, served.Select(v => v.SuspectedTrigger));
        Assert.All(served, v => Assert.Equal(v.StripEntropy < serving.Guard!.Threshold, v.SuspectedTrigger));
        Assert.True(served.Count(v => v.SuspectedTrigger) >= 0.9 * served.Count);
        Assert.Contains("AuditColumns = false", e.Message);
    }

    [Fact]
    public void Pixel_values_of_0_to_255_read_at_the_default_unit_scale_are_refused_naming_the_column_and_row_instead_of_being_clamped()
    {
        var ml = new MLContext(seed: 1);
        var bytes = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 20)
            .Select(i => new DigitRow { Pixels = digits.Sample.Image(i).ToArray().Select(v => v * 255f).ToArray(), Label = digits.Sample.Labels[i] }));

        var e = Assert.Throws<InvalidInputException>(() =>
            ml.Transforms.ScanRobustness(BadnetsDigits.Model, nameof(DigitRow.Pixels), nameof(DigitRow.Label), BadnetsDigits.Options()).Fit(bytes));

        Assert.Contains("'Pixels'", e.Message);
        Assert.Contains("outside 0..255", e.Message);
        Assert.Equal(1, e.Line);
    }

    /// <summary>What a served row gets back from the guard.</summary>
    public sealed class GuardVerdict
    {
        public float StripEntropy { get; set; }
        public bool SuspectedTrigger { get; set; }
    }

    /// <summary>The strip check itself (what `advscan scan` runs for a strip entry), over AdvScan's reader and the same sample.</summary>
    private CheckReport RunCheck()
    {
        var model = OnnxModel.Load(BadnetsDigits.Model);
        using var dataset = DatasetSource.Open(BadnetsDigits.Fixture("mnist-test-images-idx3-ubyte"), BadnetsDigits.Fixture("mnist-test-labels-idx1-ubyte"), null, model);
        using var runtime = ReferenceSession.Open(model);
        OnnxGraph? graph = null;
        var context = new CheckContext(() => graph ??= OnnxGraph.Import(model, new ImportOptions("cpu")))
        {
            Model = model, Runtime = runtime, Dataset = dataset, Sample = digits.SampleIndices, Indices = digits.SampleIndices, Seed = BadnetsDigits.Seed,
            OpenData = (path, labels) => DatasetSource.Open(path, labels, null, model),
        };
        try
        {
            return new StripCheck().Run(context, new StripSettings(new StripOptions(Overlays: 20, FalseRejectionRate: 0.05), BadnetsDigits.Truth, Calibration: 100));
        }
        finally
        {
            graph?.Dispose();
        }
    }
}
