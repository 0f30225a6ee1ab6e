using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AdvScan.Attacks;
using AdvScan.Data;
using AdvScan.Scanning;

namespace AdvScan.Reporting;

/// <summary>What one `advscan attack` run was asked and found; file names only, never the folders they came from.</summary>
public sealed record AttackRunReport(
    string Model,
    string ModelSha256,
    string Data,
    string? Labels,
    InputSpec Spec,
    int DatasetSize,
    int? Limit,
    IReadOnlyList<int> Sample,
    long Seed,
    int BatchSize,
    string Device,
    string Attack,
    AttackAccess Access,
    IReadOnlyList<string> Keys,
    AttackSettings Settings,
    string? Surrogate,
    string? SurrogateSha256,
    RobustnessResult Result,
    string Description);

/// <summary>
/// The JSON form of an <see cref="AttackRunReport"/> (camelCase keys, like every report AdvScan writes): fixed key order, invariant number formatting, every key present in
/// every run (null where it does not apply), and nothing that varies between runs of the same inputs (no timestamps,
/// timings or absolute paths), so two runs give identical bytes.
/// </summary>
public static class AttackRunJson
{
    public static string Write(AttackRunReport run)
    {
        var settings = run.Settings;
        var result = run.Result;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("command", "attack");
            // One version for every AdvScan JSON file: this file's attack and curve share the scan report's shape.
            json.WriteNumber("formatVersion", ScanReportJson.FormatVersion);
            json.WriteString("model", run.Model);
            json.WriteString("sha256", run.ModelSha256);
            json.WriteString("data", run.Data);
            WriteStringOrNull(json, "labels", run.Labels);
            EvaluationJson.WriteSpec(json, run.Spec);
            json.WriteNumber("datasetSize", run.DatasetSize);
            json.WriteStartObject("sample");
            if (run.Limit is { } limit) json.WriteNumber("limit", limit); else json.WriteNull("limit");
            json.WriteNumber("size", run.Sample.Count);
            json.WriteString("stratifiedBy", run.Limit is null ? "none (every example)" : "class");
            json.WriteString("indicesSha256", IndicesHash(run.Sample));
            json.WriteEndObject();
            json.WriteNumber("seed", run.Seed);
            json.WriteNumber("batchSize", run.BatchSize);
            json.WriteString("device", run.Device);

            json.WriteStartObject("attack");
            json.WriteString("name", run.Attack);
            json.WriteString("description", run.Description);
            json.WriteString("access", AccessName(run.Access));
            json.WriteString("norm", NormNames.Of(settings.Norm));
            json.WriteStartArray("epsilons");
            foreach (var p in result.Curve) json.WriteNumberValue(p.Epsilon);
            json.WriteEndArray();
            AttackJson.WriteParameters(json, run.Keys, settings);
            WriteStringOrNull(json, "surrogateSha256", run.SurrogateSha256);
            json.WriteEndObject();

            ScanReportJson.WriteProportion(json, "cleanAccuracy", result.Curve[0].CleanAccuracy);
            AttackJson.WriteCurve(json, result.Curve);
            if (result.MedianMinimalL2 is { } minimal) json.WriteNumber("medianMinimalL2", minimal); else json.WriteNull("medianMinimalL2");
            json.WriteNumber("gradientEvaluations", result.GradientEvaluations);
            json.WriteNumber("queries", result.Queries);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>The access in a report's words: "gradients", "scores", "labels", "surrogate".</summary>
    private static string AccessName(AttackAccess access) => access.ToString().ToLowerInvariant();

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name); else json.WriteString(name, value);
    }

    /// <summary>SHA-256 of the sampled dataset indices (int32 little-endian, in order): which examples were attacked.</summary>
    private static string IndicesHash(IReadOnlyList<int> indices)
    {
        var bytes = new byte[indices.Count * 4];
        for (int i = 0; i < indices.Count; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), indices[i]);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
