using System.Text.Json;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using Newtonsoft.Json.Linq;

namespace AdvScan.Reporting;

/// <summary>
/// The "checks" and "rules" parts of the JSON report, for any check: metrics with their counts (so shards merge
/// exactly), findings, tables. Images are left out, as the attack gallery is: they are for people, in the HTML report.
/// </summary>
internal static class CheckReportJson
{
    public static void Write(Utf8JsonWriter w, CheckReport check)
    {
        w.WriteStartObject();
        w.WriteString("id", check.Id);
        w.WriteString("check", check.Check);
        w.WriteString("description", check.Description);
        w.WriteNumber("line", check.Line);
        w.WriteStartArray("metrics");
        foreach (var m in check.Metrics) WriteValue(w, null, m);
        w.WriteEndArray();
        w.WriteStartArray("findings");
        foreach (var f in check.Findings)
        {
            w.WriteStartObject();
            w.WriteString("ruleId", f.Rule.Id);
            w.WriteString("level", LevelName(f.Level));
            w.WriteString("message", f.Message);
            w.WriteStartArray("classes");
            foreach (var c in f.Classes ?? []) w.WriteNumberValue(c);
            w.WriteEndArray();
            w.WriteStartArray("samples");
            foreach (var sample in f.Samples ?? [])
            {
                w.WriteStartObject();
                w.WriteNumber("index", sample.Index);
                w.WriteString("location", sample.Location);
                ScanReportJson.WriteFinite(w, "score", sample.Score);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("tables");
        foreach (var t in check.Tables)
        {
            w.WriteStartObject();
            w.WriteString("title", t.Title);
            w.WriteStartArray("columns");
            foreach (var c in t.Columns) w.WriteStringValue(c);
            w.WriteEndArray();
            w.WriteStartArray("rows");
            foreach (var row in t.Rows)
            {
                w.WriteStartArray();
                foreach (var cell in row) w.WriteStringValue(cell);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        // Written only when present, so reports of checks without charts keep their bytes.
        if (check.Charts.Count > 0)
        {
            w.WriteStartArray("charts");
            foreach (var chart in check.Charts)
            {
                w.WriteStartObject();
                w.WriteString("title", chart.Title);
                w.WriteString("xTitle", chart.XTitle);
                w.WriteString("yTitle", chart.YTitle);
                w.WriteStartArray("series");
                foreach (var series in chart.Series)
                {
                    w.WriteStartObject();
                    w.WriteString("name", series.Name);
                    w.WriteString("metric", series.Metric);
                    if (series.Label is null) w.WriteNull("label"); else w.WriteString("label", series.Label);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>A metric value: name, budget, value, and the counts and interval when it is a proportion.</summary>
    public static void WriteValue(Utf8JsonWriter w, string? name, MetricValue m)
    {
        if (name is null) w.WriteStartObject(); else w.WriteStartObject(name);
        w.WriteString("metric", m.Metric);
        ScanReportJson.WriteNullable(w, "budget", m.Budget);
        ScanReportJson.WriteFinite(w, "value", m.Value);
        if (m.Label is null) w.WriteNull("label"); else w.WriteString("label", m.Label);
        if (m.Proportion is { } p)
        {
            w.WriteNumber("successes", p.Successes);
            w.WriteNumber("trials", p.Trials);
            if (p.TrialsPerExample > 1) w.WriteNumber("trialsPerExample", p.TrialsPerExample);
            ScanReportJson.WriteFinite(w, "lower", p.Lower);
            ScanReportJson.WriteFinite(w, "upper", p.Upper);
        }
        w.WriteEndObject();
    }

    public static void WriteRule(Utf8JsonWriter w, GateRule rule)
    {
        w.WriteStartObject();
        w.WriteString("id", rule.Id);
        w.WriteString("name", rule.Name);
        w.WriteString("shortDescription", rule.ShortDescription);
        w.WriteString("fullDescription", rule.FullDescription);
        w.WriteString("help", rule.Help);
        w.WriteEndObject();
    }

    public static CheckReport Read(ScanReportJson.Reader r, JObject o, IReadOnlyList<GateRule> rules)
    {
        var metrics = r.Array(o, "metrics").Select(t => ReadValue(r, r.Object(t, "metrics[]"), null, null)).ToList();
        var findings = r.Array(o, "findings").Select(t =>
        {
            var f = r.Object(t, "findings[]");
            var level = r.String(f, "level") switch
            {
                "note" => FindingLevel.Note,
                "warning" => FindingLevel.Warning,
                "error" => FindingLevel.Error,
                var other => throw r.Fail(f["level"], $"finding level must be note, warning or error, got '{other}'"),
            };
            var classes = r.Array(f, "classes").Select(c => (int)r.NumberValue(c, "classes[]")).ToList();
            var samples = r.Array(f, "samples").Select(x =>
            {
                var s = r.Object(x, "samples[]");
                return new SampleRef(r.Int(s, "index"), r.String(s, "location"), r.OptionalNumber(s, "score") ?? double.NaN);
            }).ToList();
            return new CheckFinding(FindRule(r, f, rules), level, r.String(f, "message"), classes, samples);
        }).ToList();
        var tables = r.Array(o, "tables").Select(t =>
        {
            var table = r.Object(t, "tables[]");
            var columns = r.Array(table, "columns").Select(c => r.StringValue(c, "columns[]")).ToList();
            var rows = r.Array(table, "rows").Select(row => (IReadOnlyList<string>)(row as JArray ?? throw r.Fail(row, "each row must be an array"))
                .Select(cell => r.StringValue(cell, "rows[][]")).ToList()).ToList();
            return new ReportTable(r.String(table, "title"), columns, rows);
        }).ToList();
        var charts = o["charts"] is null ? [] : r.Array(o, "charts").Select(t =>
        {
            var chart = r.Object(t, "charts[]");
            var series = r.Array(chart, "series").Select(x =>
            {
                var line = r.Object(x, "series[]");
                return new ChartSeries(r.String(line, "name"), r.String(line, "metric"), r.OptionalString(line, "label"));
            }).ToList();
            return new ReportChart(r.String(chart, "title"), r.String(chart, "xTitle"), r.String(chart, "yTitle"), series);
        }).ToList();
        return new CheckReport(r.String(o, "id"), r.String(o, "check"), r.String(o, "description"), metrics, findings, tables, [], r.Int(o, "line")) { Charts = charts };
    }

    /// <summary>Reads a value; the interval of a proportion is recomputed from its counts rather than trusted.</summary>
    public static MetricValue ReadValue(ScanReportJson.Reader r, JObject o, string? metric, double? budget)
    {
        var name = o["metric"] is null ? metric ?? throw r.Fail(o, "a value needs \"metric\"") : r.String(o, "metric");
        var label = r.OptionalString(o, "label");
        var at = o["budget"] is null ? budget : r.OptionalNumber(o, "budget");
        if (o["successes"] is not null)
        {
            int successes = r.Int(o, "successes"), trials = r.Int(o, "trials");
            if (successes < 0 || trials < 0 || successes > trials) throw r.Fail(o, $"\"{name}\" has {successes} successes out of {trials} trials");
            int perExample = o["trialsPerExample"] is null ? 1 : r.Int(o, "trialsPerExample");
            if (perExample < 1 || (trials > 0 && perExample > trials)) throw r.Fail(o, $"\"{name}\" has {perExample} trials per example out of {trials} trials");
            return MetricValue.Of(name, Proportion.Of(successes, trials, perExample), at, label);
        }
        return MetricValue.Scalar(name, r.OptionalNumber(o, "value") ?? double.NaN, at, label);
    }

    public static GateRule ReadRule(ScanReportJson.Reader r, JObject o) =>
        new(r.String(o, "id"), r.String(o, "name"), r.String(o, "shortDescription"), r.String(o, "fullDescription"), r.String(o, "help"));

    public static GateRule FindRule(ScanReportJson.Reader r, JObject o, IReadOnlyList<GateRule> rules)
    {
        var id = r.String(o, "ruleId");
        return rules.FirstOrDefault(x => x.Id == id) ?? throw r.Fail(o["ruleId"], $"rule '{id}' is not among the report's rules");
    }

    public static string LevelName(FindingLevel level) => level switch
    {
        FindingLevel.Note => "note",
        FindingLevel.Warning => "warning",
        _ => "error",
    };
}
