using System.Text;
using System.Text.Json;
using AdvScan.Data;
using AdvScan.Scanning;

namespace AdvScan.Reporting;

/// <summary>
/// The JSON form of an <see cref="EvaluationReport"/>: fixed key order, invariant number formatting, and nothing
/// that varies between runs (no timestamps, no throughput), so two runs of the same inputs give identical bytes.
/// </summary>
public static class EvaluationJson
{
    public static string Write(EvaluationReport report)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", report.Model);
            json.WriteString("sha256", report.Sha256);
            json.WriteString("data", report.Data);
            WriteSpec(json, report.Spec);
            json.WriteNumber("datasetSize", report.DatasetSize);
            if (report.Limit is { } limit) json.WriteNumber("limit", limit); else json.WriteNull("limit");
            json.WriteNumber("seed", report.Seed);
            json.WriteNumber("evaluated", report.Evaluated);
            json.WriteNumber("correct", report.Correct);
            json.WriteNumber("accuracy", report.Accuracy);
            json.WriteStartObject("accuracy_ci95");
            json.WriteString("method", "wilson");
            json.WriteNumber("lower", report.WilsonLower);
            json.WriteNumber("upper", report.WilsonUpper);
            json.WriteEndObject();
            json.WriteStartArray("perClass");
            foreach (var c in report.PerClass)
            {
                json.WriteStartObject();
                json.WriteNumber("label", c.Label);
                if (c.Name is null) json.WriteNull("name"); else json.WriteString("name", c.Name);
                json.WriteNumber("count", c.Count);
                json.WriteNumber("correct", c.Correct);
                if (c.Accuracy is { } a) json.WriteNumber("accuracy", a); else json.WriteNull("accuracy");
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("skipped");
            foreach (var s in report.Skipped)
            {
                json.WriteStartObject();
                json.WriteString("source", s.Source);
                json.WriteString("reason", s.Reason);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Writes <paramref name="spec"/> as the "inputSpec" object (shared by every JSON the CLI writes).</summary>
    public static void WriteSpec(Utf8JsonWriter json, InputSpec spec)
    {
        json.WriteStartObject("inputSpec");
        json.WriteNumber("channels", spec.Channels);
        if (spec.Height is { } h) json.WriteNumber("height", h); else json.WriteNull("height");
        if (spec.Width is { } w) json.WriteNumber("width", w); else json.WriteNull("width");
        json.WriteString("resize", ModelConventions.ResizeName(spec.Resize));
        json.WriteString("channelOrder", spec.ChannelOrder.ToString().ToLowerInvariant());
        json.WriteString("layout", spec.Layout.ToString().ToLowerInvariant());
        json.WriteNumber("scale", spec.Scale);
        WriteFloats(json, "mean", spec.Mean);
        WriteFloats(json, "std", spec.Std);
        json.WriteEndObject();
    }

    private static void WriteFloats(Utf8JsonWriter json, string name, IReadOnlyList<float>? values)
    {
        if (values is null) { json.WriteNull(name); return; }
        json.WriteStartArray(name);
        foreach (var v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }
}
