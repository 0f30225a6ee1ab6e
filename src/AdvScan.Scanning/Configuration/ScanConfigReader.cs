using System.Globalization;
using AdvScan.Attacks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdvScan.Scanning.Configuration;

/// <summary>
/// Reads <c>advscan.json</c>. Every problem is an <see cref="InvalidInputException"/> carrying the config file and the
/// line of the offending value: unknown properties (typos), unknown attacks, thresholds outside [0,1], missing model or
/// data files. The accepted shape is published as <c>advscan.schema.json</c> for editors.
/// </summary>
public static class ScanConfigReader
{
    public static readonly IReadOnlySet<string> KnownAttacks = new HashSet<string>(StringComparer.Ordinal) { "fgsm", "pgd", "apgd", "cw", "square", "transfer" };

    private static readonly string[] TopLevel = ["$schema", "model", "data", "spec", "sample", "seed", "device", "batchSize", "attacks", "gates", "nearThreshold"];
    private static readonly string[] AttackKeys = ["id", "attack", "norm", "eps", "steps", "stepSize", "restarts", "randomStart", "targetClass", "queries", "surrogate"];
    private static readonly string[] GateKeys = ["id", "metric", "attack", "eps", "min", "max", "bound"];

    /// <param name="attacks">Attack names the config may use (<see cref="Scanner.AttackNames"/>, which includes attacks
    /// registered by plug-ins); the built-in <see cref="KnownAttacks"/> when null.</param>
    public static ScanConfig Load(string path, IReadOnlySet<string>? attacks = null)
    {
        string text;
        try
        {
            if (!File.Exists(path)) throw new InvalidInputException(path, "config file does not exist");
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"cannot be read: {e.Message}", inner: e);
        }
        return Parse(text, Path.GetFullPath(path), attacks);
    }

    public static ScanConfig Parse(string json, string configFile, IReadOnlySet<string>? attacks = null)
    {
        attacks ??= KnownAttacks;
        JObject root;
        try
        {
            var token = JToken.Parse(json, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Load, DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error });
            root = token as JObject ?? throw new InvalidInputException(configFile, "must be a JSON object", LineOf(token));
        }
        catch (JsonReaderException e)
        {
            throw new InvalidInputException(configFile, $"is not valid JSON: {e.Message.Split(" Path")[0]}", e.LineNumber, e);
        }
        var reader = new Reader(configFile);
        reader.RejectUnknown(root, TopLevel, "advscan.json");
        var folder = Path.GetDirectoryName(configFile) ?? ".";

        var modelToken = reader.Required(root, "model");
        var model = reader.ExistingFile(modelToken, folder, "model");

        var dataToken = reader.Required(root, "data");
        DataConfig data = dataToken switch
        {
            JValue => new DataConfig(reader.ExistingPath(dataToken, folder, "data"), null, LineOf(dataToken)),
            JObject o => ReadData(reader, o, folder),
            _ => throw reader.Fail(dataToken, "'data' must be a path or an object { \"path\": ..., \"labels\": ... }"),
        };

        var spec = root["spec"] is JObject specObject ? ReadSpec(reader, specObject) : new SpecConfig();
        int sampleSize = 0;
        long seed = 0;
        if (root["sample"] is { } sampleToken)
        {
            if (sampleToken is not JObject sample) throw reader.Fail(sampleToken, "'sample' must be an object { \"size\": N, \"seed\": S }");
            reader.RejectUnknown(sample, ["size", "seed"], "sample");
            sampleSize = sample["size"] is { } s ? reader.Int(s, "sample.size", min: 1) : 0;
            seed = sample["seed"] is { } sd ? reader.Int(sd, "sample.seed", min: 0) : 0;
        }
        if (root["seed"] is { } seedToken) seed = reader.Int(seedToken, "seed", min: 0);
        var device = root["device"] is { } deviceToken ? reader.String(deviceToken, "device") : "cpu";
        if (device != "cpu" && device != "cuda" && !device.StartsWith("cuda:", StringComparison.Ordinal))
            throw reader.Fail(root["device"]!, $"device must be cpu or cuda, got '{device}'");
        int batchSize = root["batchSize"] is { } bs ? reader.Int(bs, "batchSize", min: 1) : 64;
        double near = root["nearThreshold"] is { } nt ? reader.Fraction(nt, "nearThreshold") : 0.02;

        var configured = new List<AttackConfig>();
        if (root["attacks"] is { } attacksToken)
        {
            if (attacksToken is not JArray array) throw reader.Fail(attacksToken, "'attacks' must be an array");
            foreach (var item in array) configured.Add(ReadAttack(reader, item, folder, attacks));
        }
        foreach (var duplicate in configured.GroupBy(a => a.Id).Where(g => g.Count() > 1))
            throw new InvalidInputException(configFile, $"two attacks have the id '{duplicate.Key}'; give each an \"id\"", duplicate.Last().Line);

        var gates = new List<GateConfig>();
        if (root["gates"] is { } gatesToken)
        {
            if (gatesToken is not JArray array) throw reader.Fail(gatesToken, "'gates' must be an array");
            int index = 0;
            foreach (var item in array) gates.Add(ReadGate(reader, item, configured, index++));
        }
        return new ScanConfig(configFile, model, LineOf(modelToken), data, spec, sampleSize, seed, device, batchSize, configured, gates, near);
    }

    private static DataConfig ReadData(Reader reader, JObject o, string folder)
    {
        reader.RejectUnknown(o, ["path", "labels"], "data");
        var path = reader.ExistingPath(reader.Required(o, "path"), folder, "data.path");
        var labels = o["labels"] is { } l ? reader.ExistingFile(l, folder, "data.labels") : null;
        return new DataConfig(path, labels, LineOf(o));
    }

    private static SpecConfig ReadSpec(Reader reader, JObject o)
    {
        reader.RejectUnknown(o, ["layout", "channelOrder", "scale", "mean", "std", "resize"], "spec");
        string? Choice(string key, string[] allowed)
        {
            if (o[key] is not { } t) return null;
            var v = reader.String(t, $"spec.{key}");
            return allowed.Contains(v) ? v : throw reader.Fail(t, $"spec.{key} must be one of {string.Join(", ", allowed)}, got '{v}'");
        }
        double? scale = null;
        if (o["scale"] is { } scaleToken)
        {
            scale = reader.Number(scaleToken, "spec.scale");
            if (scale != 1 && scale != 255) throw reader.Fail(scaleToken, $"spec.scale must be 1 or 255, got {scale}");
        }
        return new SpecConfig(Choice("layout", ["nchw", "nhwc"]), Choice("channelOrder", ["rgb", "bgr"]), scale,
            o["mean"] is { } m ? reader.Numbers(m, "spec.mean") : null, o["std"] is { } s ? reader.Numbers(s, "spec.std", positive: true) : null,
            Choice("resize", ["none", "stretch"]), LineOf(o));
    }

    private static AttackConfig ReadAttack(Reader reader, JToken item, string folder, IReadOnlySet<string> known)
    {
        if (item is not JObject o) throw reader.Fail(item, "each attack must be an object { \"attack\": \"pgd\", \"eps\": [...] }");
        reader.RejectUnknown(o, AttackKeys, "attack");
        var nameToken = reader.Required(o, "attack");
        var name = reader.String(nameToken, "attack");
        if (!known.Contains(name))
            throw reader.Fail(nameToken, $"unknown attack '{name}'; expected one of {string.Join(", ", known.Order(StringComparer.Ordinal))}");
        var norm = Norm.LInf;
        if (o["norm"] is { } normToken)
        {
            norm = reader.String(normToken, "norm") switch
            {
                "linf" => Norm.LInf,
                "l2" => Norm.L2,
                var other => throw reader.Fail(normToken, $"norm must be linf or l2, got '{other}'"),
            };
        }
        var epsToken = reader.Required(o, "eps");
        var epsilons = epsToken is JArray ? reader.Numbers(epsToken, "eps") : [reader.Number(epsToken, "eps")];
        if (epsilons.Count == 0) throw reader.Fail(epsToken, "eps must list at least one budget");
        foreach (var e in epsilons)
            if (e < 0 || (norm == Norm.LInf && e > 1))
                throw reader.Fail(epsToken, string.Create(CultureInfo.InvariantCulture, $"eps {e} is outside [0,1] (budgets are in [0,1] pixel space)"));
        string? surrogate = o["surrogate"] is { } st ? reader.ExistingFile(st, folder, "surrogate") : null;
        if (name == "transfer" && surrogate is null) throw reader.Fail(o, "a transfer attack needs a \"surrogate\" model to craft examples on");
        return new AttackConfig(
            o["id"] is { } id ? reader.String(id, "id") : name,
            name, norm, epsilons,
            o["steps"] is { } steps ? reader.Int(steps, "steps", min: 0) : AttackSettings.DefaultStepsFor(name),
            o["stepSize"] is { } ss ? reader.Number(ss, "stepSize", positive: true) : null,
            o["restarts"] is { } r ? reader.Int(r, "restarts", min: 1) : 1,
            o["randomStart"] is { } rs ? reader.Bool(rs, "randomStart") : true,
            o["targetClass"] is { } tc ? reader.Int(tc, "targetClass", min: 0) : null,
            o["queries"] is { } q ? reader.Int(q, "queries", min: 1) : 5000,
            surrogate, LineOf(o));
    }

    private static GateConfig ReadGate(Reader reader, JToken item, IReadOnlyList<AttackConfig> attacks, int index)
    {
        if (item is not JObject o) throw reader.Fail(item, "each gate must be an object { \"metric\": ..., \"min\" or \"max\": ... }");
        reader.RejectUnknown(o, GateKeys, "gate");
        var metricToken = reader.Required(o, "metric");
        var metric = reader.String(metricToken, "metric") switch
        {
            "cleanAccuracy" => GateMetric.CleanAccuracy,
            "robustAccuracy" => GateMetric.RobustAccuracy,
            "attackSuccess" => GateMetric.AttackSuccess,
            "runtimeDisagreement" => GateMetric.RuntimeDisagreement,
            var other => throw reader.Fail(metricToken, $"unknown metric '{other}'; expected cleanAccuracy, robustAccuracy, attackSuccess or runtimeDisagreement"),
        };
        double? min = o["min"] is { } mn ? reader.Fraction(mn, "min") : null;
        double? max = o["max"] is { } mx ? reader.Fraction(mx, "max") : null;
        if ((min is null) == (max is null)) throw reader.Fail(o, "a gate needs exactly one of \"min\" and \"max\"");
        string? attack = null;
        double? eps = null;
        if (metric is GateMetric.RobustAccuracy or GateMetric.AttackSuccess or GateMetric.RuntimeDisagreement)
        {
            if (o["attack"] is { } at)
            {
                attack = reader.String(at, "attack");
                var target = attacks.FirstOrDefault(a => a.Id == attack)
                    ?? throw reader.Fail(at, $"gate refers to attack '{attack}', which the config does not define (ids: {string.Join(", ", attacks.Select(a => a.Id))})");
                if (o["eps"] is { } et)
                {
                    eps = reader.Number(et, "eps");
                    if (!target.Epsilons.Contains(eps.Value))
                        throw reader.Fail(et, string.Create(CultureInfo.InvariantCulture, $"attack '{attack}' does not run at eps {eps}; its budgets are {string.Join(", ", target.Epsilons)}"));
                }
                else eps = target.Epsilons.Max();
            }
            else if (metric != GateMetric.RuntimeDisagreement)
                throw reader.Fail(o, $"a {reader.String(metricToken, "metric")} gate needs \"attack\" (the id of an attack in this config)");
        }
        var bound = GateBound.Point;
        if (o["bound"] is { } bt)
        {
            bound = reader.String(bt, "bound") switch
            {
                "point" => GateBound.Point,
                "confidence" => GateBound.Confidence,
                var other => throw reader.Fail(bt, $"bound must be point or confidence, got '{other}'"),
            };
        }
        var id = o["id"] is { } idt ? reader.String(idt, "id") : $"{reader.String(metricToken, "metric")}{(attack is null ? "" : "-" + attack)}{(eps is null ? "" : string.Create(CultureInfo.InvariantCulture, $"@{eps}"))}#{index}";
        return new GateConfig(id, metric, attack, eps, min, max, bound, LineOf(o));
    }

    public static int LineOf(JToken? token) => token is IJsonLineInfo info && info.HasLineInfo() ? info.LineNumber : 0;

    private sealed class Reader(string file)
    {
        public InvalidInputException Fail(JToken token, string problem) => new(file, problem, LineOf(token) is var l && l > 0 ? l : null);

        public JToken Required(JObject o, string key) => o[key] ?? throw Fail(o, $"missing required property \"{key}\"");

        public void RejectUnknown(JObject o, string[] known, string where)
        {
            foreach (var p in o.Properties())
                if (!known.Contains(p.Name))
                    throw Fail(p, $"unknown property \"{p.Name}\" in {where}; expected one of {string.Join(", ", known.Where(k => k != "$schema"))}");
        }

        public string String(JToken t, string name) =>
            t.Type == JTokenType.String ? t.Value<string>()! : throw Fail(t, $"{name} must be a string");

        public double Number(JToken t, string name, bool positive = false)
        {
            if (t.Type is not (JTokenType.Float or JTokenType.Integer)) throw Fail(t, $"{name} must be a number");
            var v = t.Value<double>();
            if (!double.IsFinite(v) || (positive && v <= 0)) throw Fail(t, $"{name} must be a {(positive ? "positive " : "")}finite number");
            return v;
        }

        public double Fraction(JToken t, string name)
        {
            var v = Number(t, name);
            return v is >= 0 and <= 1 ? v : throw Fail(t, string.Create(CultureInfo.InvariantCulture, $"{name} threshold {v} is outside [0,1]"));
        }

        public int Int(JToken t, string name, int min)
        {
            if (t.Type != JTokenType.Integer) throw Fail(t, $"{name} must be an integer");
            var v = t.Value<long>();
            return v >= min && v <= int.MaxValue ? (int)v : throw Fail(t, $"{name} must be an integer >= {min}, got {v}");
        }

        public bool Bool(JToken t, string name) => t.Type == JTokenType.Boolean ? t.Value<bool>() : throw Fail(t, $"{name} must be true or false");

        public IReadOnlyList<double> Numbers(JToken t, string name, bool positive = false) =>
            t is JArray a ? a.Select(v => Number(v, name, positive)).ToList() : throw Fail(t, $"{name} must be an array of numbers");

        public string ExistingFile(JToken t, string folder, string name)
        {
            var path = Path.GetFullPath(Path.Combine(folder, String(t, name)));
            return File.Exists(path) ? path : throw Fail(t, $"{name} file '{t.Value<string>()}' does not exist (resolved to {path})");
        }

        public string ExistingPath(JToken t, string folder, string name)
        {
            var path = Path.GetFullPath(Path.Combine(folder, String(t, name)));
            return File.Exists(path) || Directory.Exists(path) ? path : throw Fail(t, $"{name} '{t.Value<string>()}' does not exist (resolved to {path})");
        }
    }
}
