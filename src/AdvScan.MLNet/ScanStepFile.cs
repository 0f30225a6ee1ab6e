using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using AdvScan.Checks.Backdoor;
using AdvScan.Reporting;
using AdvScan.Scanning;

namespace AdvScan.MLNet;

/// <summary>
/// The fitted step as a file beside the ML.NET model ("advscan-mlnet-step", version 1), since ML.NET keeps custom
/// save and load internal (see <see cref="RobustnessScanTransformer"/>): the columns, the options, the scan report Fit
/// produced and the STRIP guard's calibration (threshold, calibration entropies, overlay images as float32
/// little-endian base64), bound to the ONNX model by its SHA-256. Loading it (<see cref="AdvScanCatalog.LoadScanRobustness"/>)
/// neither scans nor calibrates again. The file is untrusted input when read: bounded, every size checked.
/// </summary>
internal sealed record ScanStepFile(string ModelSha256, string ImageColumn, string LabelColumn, RobustnessScanOptions Options, ScanReport Report, SavedGuard? Guard)
{
    public const string FormatName = "advscan-mlnet-step";
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Names = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, MaxDepth = 8 };

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public void Write(string path) => TrustBoundary.WriteAtomic(path, stream =>
    {
        using var w = new Utf8JsonWriter(stream, WriterOptions);
        w.WriteStartObject();
        w.WriteString("format", FormatName);
        w.WriteNumber("formatVersion", FormatVersion);
        w.WriteString("modelSha256", ModelSha256);
        w.WriteString("imageColumn", ImageColumn);
        w.WriteString("labelColumn", LabelColumn);
        w.WritePropertyName("options");
        JsonSerializer.Serialize(w, OptionsRecord.Of(Options), Names);
        w.WritePropertyName("report");
        w.WriteRawValue(ScanReportJson.Serialize(Report));
        if (Guard is null) w.WriteNull("guard");
        else
        {
            var g = Guard;
            w.WriteStartObject("guard");
            w.WriteNumber("calibrationRows", g.CalibrationRows);
            w.WriteNumber("threshold", g.Threshold);
            w.WriteNumber("overlays", g.Options.Overlays);
            w.WriteNumber("falseRejectionRate", g.Options.FalseRejectionRate);
            w.WriteNumber("seed", g.Options.Seed);
            w.WriteStartArray("imageShape");
            foreach (var d in g.ImageShape) w.WriteNumberValue(d);
            w.WriteEndArray();
            w.WriteStartArray("calibrationEntropies");
            foreach (var e in g.CalibrationEntropies) w.WriteNumberValue(e);
            w.WriteEndArray();
            var bytes = new byte[g.Overlays.Length * 4];
            for (int i = 0; i < g.Overlays.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), g.Overlays[i]);
            w.WriteBase64String("overlayPixels", bytes);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.Flush();
        stream.WriteByte((byte)'\n');
    });

    /// <summary>Reads a step file for the model at <paramref name="modelSha256"/>; any problem is one located error naming the file.</summary>
    public static ScanStepFile Read(string path, string modelSha256)
    {
        var bytes = TrustBoundary.ReadAllBytes(path, ResourceLimits.Current.MaxDataBytes, "AdvScan step file");
        JsonDocument document;
        try { document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 256 }); }
        catch (JsonException e) { throw new InvalidInputException(path, $"is not valid JSON: {e.Message}", e.LineNumber is { } l ? (int)l + 1 : null); }
        using (document)
        {
            try
            {
                var root = document.RootElement;
                if (Text(root, "format") != FormatName) throw new FormatException($"is not an AdvScan step file (format must be '{FormatName}')");
                if (root.GetProperty("formatVersion").GetInt32() != FormatVersion) throw new FormatException($"step file version is not {FormatVersion}");
                var sha = Text(root, "modelSha256");
                if (!string.Equals(sha, modelSha256, StringComparison.Ordinal))
                    throw new FormatException($"was saved for the model with SHA-256 {UntrustedText.Escape(sha)}, not this one ({modelSha256}); fit the step on this model again");
                var options = (root.GetProperty("options").Deserialize<OptionsRecord>(Names) ?? throw new FormatException("\"options\" is missing")).ToOptions();
                var report = ScanReportJson.Read(root.GetProperty("report").GetRawText(), path);
                var guard = root.GetProperty("guard") is { ValueKind: JsonValueKind.Object } g ? ReadGuard(g) : null;
                return new ScanStepFile(sha, Text(root, "imageColumn"), Text(root, "labelColumn"), options, report, guard);
            }
            catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException or JsonException or OverflowException)
            {
                throw new InvalidInputException(path, e is KeyNotFoundException ? "is missing a required property of an AdvScan step file" : UntrustedText.Escape(e.Message), inner: e);
            }
        }
    }

    private static string Text(JsonElement o, string key) => o.GetProperty(key).GetString() ?? throw new FormatException($"\"{key}\" must be a string");

    private static SavedGuard ReadGuard(JsonElement g)
    {
        var options = new StripOptions(g.GetProperty("overlays").GetInt32(), g.GetProperty("falseRejectionRate").GetDouble(), g.GetProperty("seed").GetInt32());
        var shape = g.GetProperty("imageShape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var entropies = g.GetProperty("calibrationEntropies").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var bytes = g.GetProperty("overlayPixels").GetBytesFromBase64();
        if (bytes.Length % 4 != 0) throw new FormatException("\"overlayPixels\" is not a whole number of float32 values");
        var overlays = new float[bytes.Length / 4];
        for (int i = 0; i < overlays.Length; i++) overlays[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
        if (overlays.Any(v => !float.IsFinite(v) || v < 0 || v > 1)) throw new FormatException("\"overlayPixels\" must be pixels in [0,1]");
        return new SavedGuard(overlays, shape, g.GetProperty("threshold").GetDouble(), entropies, options, g.GetProperty("calibrationRows").GetInt32());
    }

    /// <summary>The options' scalar settings as saved (the calibration data view is not saved: the guard's calibration is).</summary>
    private sealed record OptionsRecord(string? ConfigPath, string Attack, string? Norm, double Epsilon, int? Steps, double? MinRobustAccuracy, int SampleSize,
        long Seed, int BatchSize, string Device, bool ThrowOnFailedGate, string? AuditAttack, bool AuditColumns, bool Interleave, float? Scale, float Offset,
        bool EightBitSource, int? StripCalibration)
    {
        public static OptionsRecord Of(RobustnessScanOptions o) => new(o.ConfigPath, o.Attack, o.Norm, o.Epsilon, o.Steps, o.MinRobustAccuracy, o.SampleSize,
            o.Seed, o.BatchSize, o.Device, o.ThrowOnFailedGate, o.AuditAttack, o.AuditColumns, o.Interleave, o.Scale, o.Offset, o.EightBitSource, o.StripGuard?.Calibration);

        public RobustnessScanOptions ToOptions() => new()
        {
            ConfigPath = ConfigPath, Attack = Attack ?? throw new FormatException("\"options.attack\" is missing"), Norm = Norm, Epsilon = Epsilon, Steps = Steps,
            MinRobustAccuracy = MinRobustAccuracy, SampleSize = SampleSize, Seed = Seed, BatchSize = BatchSize, Device = Device ?? "cpu",
            ThrowOnFailedGate = ThrowOnFailedGate, AuditAttack = AuditAttack, AuditColumns = AuditColumns, Interleave = Interleave, Scale = Scale,
            Offset = Offset, EightBitSource = EightBitSource,
        };
    }
}

/// <summary>A fitted STRIP guard's calibration as saved: what <see cref="StripDetector.Restore"/> needs.</summary>
internal sealed record SavedGuard(float[] Overlays, long[] ImageShape, double Threshold, IReadOnlyList<double> CalibrationEntropies, StripOptions Options, int CalibrationRows)
{
    public static SavedGuard Of(StripGuard guard) => new(guard.Detector.OverlayPixels.ToArray(), guard.Detector.ImageShape, guard.Threshold,
        guard.Detector.CalibrationEntropies, guard.Detector.Options, guard.CalibrationRows);
}
