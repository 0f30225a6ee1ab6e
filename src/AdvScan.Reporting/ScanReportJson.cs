using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AdvScan.Attacks;
using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdvScan.Reporting;

/// <summary>
/// The machine-readable report (format "advscan-report", version 2: attack parameters are the keys each attack declares, curve points name
/// a norm null where nothing succeeded; <see cref="AttackJson"/>): every figure of a <see cref="ScanReport"/> except
/// the gallery images, with counts next to every proportion so that shard results can be merged exactly
/// (<see cref="ShardMerger"/>). Properties are written in a fixed order, numbers in shortest round-trip invariant form,
/// line ends are "\n" and there are no timestamps, so the same report always gives the same bytes.
/// </summary>
public static class ScanReportJson
{
    public const string FormatName = "advscan-report";
    public const int FormatVersion = 2;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        NewLine = "\n",
        // Relaxed escaping keeps paths and class names readable; the file is never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(ScanReport report, Stream output)
    {
        using var w = new Utf8JsonWriter(output, WriterOptions);
        w.WriteStartObject();
        w.WriteString("format", FormatName);
        w.WriteNumber("formatVersion", FormatVersion);
        w.WriteString("toolVersion", report.ToolVersion);
        if (report.ConfigFile is null) w.WriteNull("configFile"); else w.WriteString("configFile", report.ConfigFile);
        w.WriteString("modelFile", report.ModelFile);
        w.WriteString("modelSha256", report.ModelSha256);
        w.WriteString("data", report.Data);
        w.WriteNumber("examples", report.Examples);
        if (report.Sequential is { } sequential)
        {
            // Only a sequential scan writes these, so every other report keeps its bytes.
            w.WriteStartObject("sequential");
            w.WriteNumber("sampleSize", sequential.SampleSize);
            w.WriteNumber("examplesUsed", sequential.ExamplesUsed);
            w.WriteNumber("confidence", sequential.Confidence);
            w.WriteEndObject();
        }
        w.WriteNumber("seed", report.Seed);
        w.WriteString("device", report.Device);
        w.WriteBoolean("passed", report.Passed);
        w.WriteStartArray("classNames");
        foreach (var name in report.ClassNames) w.WriteStringValue(name);
        w.WriteEndArray();
        WriteProportion(w, "cleanAccuracy", report.CleanAccuracy);

        w.WriteStartArray("attacks");
        foreach (var attack in report.Attacks) WriteAttack(w, attack);
        w.WriteEndArray();

        w.WriteStartArray("checks");
        foreach (var check in report.Checks) CheckReportJson.Write(w, check);
        w.WriteEndArray();

        w.WriteStartArray("gates");
        foreach (var gate in report.Gates) WriteGate(w, gate);
        w.WriteEndArray();

        w.WriteStartArray("perClass");
        foreach (var c in report.PerClass)
        {
            w.WriteStartObject();
            w.WriteNumber("class", c.Class);
            w.WriteString("name", c.Name);
            WriteProportion(w, "clean", c.Clean);
            if (c.Robust is { } robust) WriteProportion(w, "robust", robust);
            else w.WriteNull("robust");
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("rules");
        foreach (var rule in report.Rules) CheckReportJson.WriteRule(w, rule);
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        output.WriteByte((byte)'\n');
    }

    public static string Serialize(ScanReport report)
    {
        using var buffer = new MemoryStream();
        Write(report, buffer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteAttack(Utf8JsonWriter w, AttackReport attack)
    {
        var c = attack.Config;
        var s = c.Settings;
        var r = attack.Result;
        w.WriteStartObject();
        w.WriteString("id", c.Id);
        w.WriteString("attack", c.Attack);
        w.WriteString("description", attack.Description);
        w.WriteString("norm", NormNames.Of(s.Norm));
        w.WriteStartArray("epsilons");
        foreach (var e in c.Epsilons) w.WriteNumberValue(e);
        w.WriteEndArray();
        AttackJson.WriteParameters(w, attack.Keys, s);
        w.WriteNumber("line", c.Line);
        w.WriteString("implementation", r.Attack);
        w.WriteNumber("settingsEpsilon", r.Settings.Epsilon);
        w.WriteNumber("settingsSeed", r.Settings.Seed);
        WriteNullable(w, "transferRate", attack.TransferRate);
        WriteNullable(w, "medianMinimalL2", r.MedianMinimalL2);
        w.WriteNumber("gradientEvaluations", r.GradientEvaluations);
        w.WriteNumber("runtimeQueries", r.Queries);
        AttackJson.WriteCurve(w, r.Curve);
        w.WriteEndObject();
    }

    private static void WriteGate(Utf8JsonWriter w, GateResult g)
    {
        var c = g.Gate;
        w.WriteStartObject();
        w.WriteString("id", c.Id);
        w.WriteString("ruleId", g.Rule.Id);
        w.WriteString("rule", g.Rule.Name);
        w.WriteString("metric", c.Metric);
        if (c.Source is null) w.WriteNull("source"); else w.WriteString("source", c.Source);
        WriteNullable(w, "budget", c.Budget);
        if (c.Label is not null) w.WriteString("label", c.Label);
        WriteNullable(w, "min", c.Min);
        WriteNullable(w, "max", c.Max);
        w.WriteString("bound", c.Bound == GateBound.Point ? "point" : "confidence");
        w.WriteNumber("line", c.Line);
        w.WriteString("status", StatusName(g.Status));
        CheckReportJson.WriteValue(w, "measured", g.Measured);
        WriteFinite(w, "judgedValue", g.JudgedValue);
        w.WriteString("subject", g.Subject);
        w.WriteString("message", g.Message);
        if (g.Sequential is { } q) WriteSequential(w, q);
        w.WriteEndObject();
    }

    /// <summary>A sequential gate's verdict, the one shape the JSON report and SARIF's result properties share.</summary>
    internal static void WriteSequential(Utf8JsonWriter w, SequentialVerdict q)
    {
        w.WriteStartObject("sequential");
        w.WriteNumber("examplesUsed", q.ExamplesUsed);
        w.WriteNumber("observations", q.Observations);
        WriteFinite(w, "lower", q.Lower);
        WriteFinite(w, "upper", q.Upper);
        w.WriteNumber("confidence", q.Confidence);
        w.WriteString("stopReason", StopName(q.Stop));
        w.WriteEndObject();
    }

    /// <summary>A sequential gate's stop reason as reports write it: settledPass, settledFail, sampleExhausted.</summary>
    public static string StopName(SequentialStop stop) => stop switch
    {
        SequentialStop.SettledPass => "settledPass",
        SequentialStop.SettledFail => "settledFail",
        _ => "sampleExhausted",
    };

    internal static void WriteProportion(Utf8JsonWriter w, string name, Proportion p)
    {
        w.WriteStartObject(name);
        w.WriteNumber("successes", p.Successes);
        w.WriteNumber("trials", p.Trials);
        WriteFinite(w, "value", p.Value);
        WriteFinite(w, "lower", p.Lower);
        WriteFinite(w, "upper", p.Upper);
        w.WriteEndObject();
    }

    internal static void WriteFinite(Utf8JsonWriter w, string name, double value)
    {
        // JSON has no NaN or infinity; a figure that is not finite is unknown, which null says.
        if (double.IsFinite(value)) w.WriteNumber(name, value); else w.WriteNull(name);
    }

    internal static void WriteNullable(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v) WriteFinite(w, name, v); else w.WriteNull(name);
    }

    internal static void WriteNullable(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    internal static string StatusName(GateStatus status) => status switch
    {
        GateStatus.Pass => "pass",
        GateStatus.Near => "near",
        _ => "fail",
    };

    /// <summary>Loads a report written by <see cref="Write"/>. Proportions and intervals are recomputed from the counts.</summary>
    /// <exception cref="InvalidInputException">The text is not a version-2 AdvScan report; carries the line.</exception>
    public static ScanReport Read(string json, string? file = null)
    {
        var root = LineAwareJson.ParseObject(json, file, "an AdvScan JSON report must be a JSON object");
        var r = new Reader(file);
        var format = r.String(root, "format");
        if (format != FormatName) throw r.Fail(root["format"], $"is not an AdvScan report (format '{format}', expected '{FormatName}')");
        var version = r.Int(root, "formatVersion");
        if (version != FormatVersion) throw r.Fail(root["formatVersion"], $"report format version {version} is not supported (this AdvScan reads version {FormatVersion})");

        var classNames = r.Array(root, "classNames").Select(t => r.StringValue(t, "classNames[]")).ToList();
        var attacks = r.Array(root, "attacks").Select(t => ReadAttack(r, r.Object(t, "attacks[]"))).ToList();
        var rules = r.Array(root, "rules").Select(t => CheckReportJson.ReadRule(r, r.Object(t, "rules[]"))).ToList();
        var checks = r.Array(root, "checks").Select(t => CheckReportJson.Read(r, r.Object(t, "checks[]"), rules)).ToList();
        var gates = r.Array(root, "gates").Select(t => ReadGate(r, r.Object(t, "gates[]"), rules)).ToList();
        var perClass = r.Array(root, "perClass").Select(t =>
        {
            var o = r.Object(t, "perClass[]");
            return new ClassAccuracy(r.Int(o, "class"), r.String(o, "name"), r.Proportion(o, "clean"), r.OptionalProportion(o, "robust"));
        }).ToList();
        return new ScanReport(r.String(root, "toolVersion"), r.OptionalString(root, "configFile"), r.String(root, "modelFile"),
            r.String(root, "modelSha256"), r.String(root, "data"), r.Int(root, "examples"), r.Long(root, "seed"),
            r.String(root, "device"), classNames, r.Proportion(root, "cleanAccuracy"), attacks, gates, perClass, [])
        {
            Checks = checks, Rules = rules,
            Sequential = root["sequential"] is JObject q ? new SequentialScan(r.Int(q, "sampleSize"), r.Int(q, "examplesUsed"), r.Number(q, "confidence")) : null,
        };
    }

    public static ScanReport Read(Stream input, string? file = null)
    {
        using var reader = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        return Read(reader.ReadToEnd(), file);
    }

    private static AttackReport ReadAttack(Reader r, JObject o)
    {
        var normText = r.String(o, "norm");
        var norm = NormNames.Parse(normText) ?? throw r.Fail(o["norm"], $"norm must be linf or l2, got '{normText}'");
        var epsilons = r.Array(o, "epsilons").Select(t => r.NumberValue(t, "epsilons[]")).ToList();
        var (written, keys) = AttackJson.ReadParameters(r, o, new AttackSettings(norm, epsilons.Count > 0 ? epsilons.Max() : 0));
        var config = new AttackConfig(r.String(o, "id"), r.String(o, "attack"), epsilons, written, r.Int(o, "line"));
        var settings = config.ToSettings(r.Long(o, "settingsSeed")) with { Epsilon = r.Number(o, "settingsEpsilon") };
        var curve = AttackJson.ReadCurve(r, o);
        var result = new RobustnessResult(r.String(o, "implementation"), norm, settings, curve, r.OptionalNumber(o, "medianMinimalL2"), r.Long(o, "gradientEvaluations"), r.Long(o, "runtimeQueries"));
        return new AttackReport(config, result, r.OptionalNumber(o, "transferRate")) { Description = r.String(o, "description"), Keys = keys };
    }

    /// <summary>Sum of perturbation norms at one curve point, as written; merging adds these.</summary>
    internal static double PerturbationSum(RobustnessPoint p) => p.MeanPerturbation * p.AttackSuccess.Successes;

    private static GateResult ReadGate(Reader r, JObject o, IReadOnlyList<GateRule> rules)
    {
        var boundText = r.String(o, "bound");
        var bound = boundText switch
        {
            "point" => GateBound.Point,
            "confidence" => GateBound.Confidence,
            _ => throw r.Fail(o["bound"], $"gate bound must be point or confidence, got '{boundText}'"),
        };
        var statusText = r.String(o, "status");
        var status = statusText switch
        {
            "pass" => GateStatus.Pass,
            "near" => GateStatus.Near,
            "fail" => GateStatus.Fail,
            _ => throw r.Fail(o["status"], $"gate status must be pass, near or fail, got '{statusText}'"),
        };
        var metric = r.String(o, "metric");
        var config = new GateConfig(r.String(o, "id"), metric, r.OptionalString(o, "source"), r.OptionalNumber(o, "budget"),
            r.OptionalNumber(o, "min"), r.OptionalNumber(o, "max"), bound, r.Int(o, "line")) { Label = r.OptionalString(o, "label") };
        var rule = CheckReportJson.FindRule(r, o, rules);
        return new GateResult(config, rule, status, CheckReportJson.ReadValue(r, r.Object(o["measured"] ?? o, "measured"), metric, config.Budget),
            r.Number(o, "judgedValue"), r.String(o, "message")) { Subject = r.String(o, "subject"), Sequential = ReadSequential(r, o) };
    }

    private static SequentialVerdict? ReadSequential(Reader r, JObject gate)
    {
        if (gate["sequential"] is not JObject q) return null;
        var stopText = r.String(q, "stopReason");
        var stop = Enum.GetValues<SequentialStop>().Where(v => StopName(v) == stopText).Select(v => (SequentialStop?)v).FirstOrDefault()
            ?? throw r.Fail(q["stopReason"], $"stopReason must be settledPass, settledFail or sampleExhausted, got '{UntrustedText.Escape(stopText)}'");
        return new SequentialVerdict(r.Int(q, "examplesUsed"), r.Int(q, "observations"), r.Number(q, "lower"), r.Number(q, "upper"), r.Number(q, "confidence"), stop);
    }


    internal sealed class Reader(string? file)
    {
        public InvalidInputException Fail(JToken? token, string problem) => LineAwareJson.Fail(file, token, problem);

        public JToken Required(JObject o, string key) => o[key] ?? throw Fail(o, $"missing required property \"{key}\"");

        public JObject Object(JToken t, string name) => t as JObject ?? throw Fail(t, $"{name} must be an object");

        public JArray Array(JObject o, string key) => Required(o, key) as JArray ?? throw Fail(o[key], $"\"{key}\" must be an array");

        public string String(JObject o, string key) => StringValue(Required(o, key), key);

        public string StringValue(JToken t, string name) => t.Type == JTokenType.String ? t.Value<string>()! : throw Fail(t, $"\"{name}\" must be a string");

        public string? OptionalString(JObject o, string key) => o[key] is null or { Type: JTokenType.Null } ? null : String(o, key);

        public double Number(JObject o, string key) => NumberValue(Required(o, key), key);

        public double NumberValue(JToken t, string name) =>
            t.Type is JTokenType.Float or JTokenType.Integer ? t.Value<double>() : throw Fail(t, $"\"{name}\" must be a number");

        public double? OptionalNumber(JObject o, string key) => o[key] is null or { Type: JTokenType.Null } ? null : Number(o, key);

        public long Long(JObject o, string key)
        {
            var t = Required(o, key);
            return t.Type == JTokenType.Integer ? t.Value<long>() : throw Fail(t, $"\"{key}\" must be an integer");
        }

        public int Int(JObject o, string key)
        {
            var v = Long(o, key);
            return v is >= int.MinValue and <= int.MaxValue ? (int)v : throw Fail(o[key], $"\"{key}\" is out of range");
        }

        public int? OptionalInt(JObject o, string key) => o[key] is null or { Type: JTokenType.Null } ? null : Int(o, key);

        public bool Bool(JObject o, string key)
        {
            var t = Required(o, key);
            return t.Type == JTokenType.Boolean ? t.Value<bool>() : throw Fail(t, $"\"{key}\" must be true or false");
        }

        public Proportion Proportion(JObject o, string key)
        {
            var p = Object(Required(o, key), key);
            int successes = Int(p, "successes"), trials = Int(p, "trials");
            if (successes < 0 || trials < 0 || successes > trials)
                throw Fail(p, string.Create(CultureInfo.InvariantCulture, $"\"{key}\" has {successes} successes out of {trials} trials"));
            // The interval is recomputed rather than trusted, so a merged or hand-edited file cannot carry a stale one.
            return Scanning.Proportion.Of(successes, trials);
        }

        public Proportion? OptionalProportion(JObject o, string key) => o[key] is null or { Type: JTokenType.Null } ? null : Proportion(o, key);
    }
}
