using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AdvScan.Attacks;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning.Configuration;

namespace AdvScan.Reporting;

/// <summary>How SARIF output locates files and identifies the tool.</summary>
public sealed record SarifReporterOptions
{
    /// <summary>
    /// The repository root. Files under it are written as URIs relative to <see cref="UriBaseId"/>, which is what code
    /// scanning needs to place a result on a file of the repository; null writes absolute file URIs.
    /// </summary>
    public string? SourceRoot { get; init; }

    /// <summary>The symbolic root relative URIs hang off; GitHub code scanning resolves %SRCROOT% to the checkout.</summary>
    public string UriBaseId { get; init; } = "%SRCROOT%";

    /// <summary>Where users read about the tool (run.tool.driver.informationUri); omitted when null.</summary>
    public Uri? InformationUri { get; init; }

    /// <summary>Written as the invocation's start and end time when set. Left unset, the output has no time at all.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>
/// `--sarif FILE`: SARIF 2.1.0 for code scanning. One rule per gate or finding kind the registered attacks and checks declare (<see cref="ScanReport.Rules"/>), one result per
/// failed gate (error) and near-threshold gate (warning), located on the line of advscan.json that sets the threshold,
/// with the model file as a second location. Passing gates are left out: a note on every run for a gate that holds
/// would be an alert nobody can ever close. Written by hand with <see cref="Utf8JsonWriter"/> rather than through
/// Sarif.Sdk, because that package cannot be restored from this project's registry as a normal dependency (one of its
/// dependencies is not served); the tests validate the output with Sarif.Sdk's own reader and the schema it ships.
/// </summary>
public sealed class SarifReporter(SarifReporterOptions? options = null) : IReporter
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

    /// <summary>Name of the partialFingerprints entry; the version suffix changes only if the hashed inputs change.</summary>
    public const string FingerprintName = "advscanGate/v1";

    private readonly SarifReporterOptions options = options ?? new SarifReporterOptions();

    public string Format => "sarif";

    public Task WriteAsync(ScanReport report, Stream output, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(report, output);
        return Task.CompletedTask;
    }

    private void Write(ScanReport report, Stream output)
    {
        Location? config = report.ConfigFile is null ? null : Locate(report.ConfigFile);
        var model = Locate(report.ModelFile);
        var rules = Rules(report);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("$schema", SchemaUri);
        w.WriteString("version", "2.1.0");
        w.WriteStartArray("runs");
        w.WriteStartObject();

        w.WriteStartObject("tool");
        w.WriteStartObject("driver");
        w.WriteString("name", "AdvScan");
        w.WriteString("version", report.ToolVersion);
        if (options.InformationUri is { } info) w.WriteString("informationUri", info.AbsoluteUri);
        w.WriteStartArray("rules");
        foreach (var rule in rules) WriteRule(w, rule);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();

        // Several configs may be scanned in one repository; the category keeps their alerts apart.
        w.WriteStartObject("automationDetails");
        w.WriteString("id", $"advscan/{(config ?? model).FingerprintPath}/");
        w.WriteEndObject();

        if (options.Timestamp is { } time)
        {
            var stamp = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            w.WriteStartArray("invocations");
            w.WriteStartObject();
            w.WriteBoolean("executionSuccessful", true);
            w.WriteString("startTimeUtc", stamp);
            w.WriteString("endTimeUtc", stamp);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteStartArray("artifacts");
        if (config is not null) WriteArtifact(w, config, "userSpecifiedConfiguration", null);
        WriteArtifact(w, model, "analysisTarget", report.ModelSha256);
        w.WriteEndArray();

        w.WriteStartArray("results");
        foreach (var gate in report.Gates.Where(g => g.Status != GateStatus.Pass)) WriteResult(w, report, rules, gate, config, model);
        foreach (var check in report.Checks)
            foreach (var finding in check.Findings) WriteFinding(w, report, rules, check, finding, config, model);
        w.WriteEndArray();

        w.WriteString("columnKind", "utf16CodeUnits");
        w.WriteStartObject("properties");
        w.WriteString("modelSha256", report.ModelSha256);
        w.WriteNumber("seed", report.Seed);
        w.WriteNumber("examples", report.Examples);
        w.WriteString("data", Locate(report.Data).FingerprintPath);
        w.WriteString("device", report.Device);
        w.WriteBoolean("passed", report.Passed);
        w.WriteEndObject();

        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        output.WriteByte((byte)'\n');
    }

    private static void WriteRule(Utf8JsonWriter w, GateRule rule)
    {
        w.WriteStartObject();
        w.WriteString("id", rule.Id);
        w.WriteString("name", rule.Name);
        WriteMessage(w, "shortDescription", rule.ShortDescription);
        WriteMessage(w, "fullDescription", rule.FullDescription);
        w.WriteStartObject("help");
        w.WriteString("text", rule.Help);
        w.WriteString("markdown", $"**Remedy:** {rule.Help}");
        w.WriteEndObject();
        w.WriteStartObject("defaultConfiguration");
        w.WriteString("level", "error");
        w.WriteEndObject();
        w.WriteStartObject("properties");
        w.WriteStartArray("tags");
        w.WriteStringValue("security");
        w.WriteStringValue("adversarial-robustness");
        w.WriteEndArray();
        w.WriteString("precision", "high");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The report's rules; a report without them (written by hand) still gets one per rule its gates and findings use.</summary>
    private static IReadOnlyList<GateRule> Rules(ScanReport report) =>
        report.Rules.Concat(report.Gates.Select(g => g.Rule)).Concat(report.Checks.SelectMany(c => c.Findings.Select(f => f.Rule)))
            .GroupBy(r => r.Id).Select(g => g.First()).OrderBy(r => r.Id, StringComparer.Ordinal).ToList();

    private void WriteFinding(Utf8JsonWriter w, ScanReport report, IReadOnlyList<GateRule> rules, CheckReport check, CheckFinding finding, Location? config, Location model)
    {
        w.WriteStartObject();
        w.WriteString("ruleId", finding.Rule.Id);
        w.WriteNumber("ruleIndex", IndexOf(rules, finding.Rule));
        w.WriteString("level", CheckReportJson.LevelName(finding.Level));
        WriteMessage(w, "message", $"Check '{check.Id}' ({check.Check}): {finding.Message}");
        w.WriteStartArray("locations");
        if (config is not null) WriteLocation(w, config, Math.Max(1, check.Line), $"check '{check.Id}' is configured here");
        WriteLocation(w, model, null, $"model scanned (SHA-256 {report.ModelSha256})");
        w.WriteEndArray();
        w.WriteStartObject("partialFingerprints");
        // What the finding is about (rule, check, classes), never its figures, so the alert is tracked as numbers move.
        w.WriteString(FingerprintName, Fingerprint(finding.Rule.Id, $"{check.Id}:{string.Join(",", finding.Classes ?? [])}", (config ?? model).FingerprintPath));
        w.WriteEndObject();
        w.WriteStartObject("properties");
        w.WriteString("checkId", check.Id);
        w.WriteString("check", check.Check);
        w.WriteStartArray("classes");
        foreach (var c in finding.Classes ?? []) w.WriteNumberValue(c);
        w.WriteEndArray();
        w.WriteNumber("samples", finding.Samples?.Count ?? 0);
        w.WriteNumber("seed", report.Seed);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private void WriteResult(Utf8JsonWriter w, ScanReport report, IReadOnlyList<GateRule> rules, GateResult gate, Location? config, Location model)
    {
        var attack = gate.Gate.Source is null ? null : report.Attacks.FirstOrDefault(a => a.Config.Id == gate.Gate.Source);
        w.WriteStartObject();
        w.WriteString("ruleId", gate.Rule.Id);
        w.WriteNumber("ruleIndex", IndexOf(rules, gate.Rule));
        w.WriteString("level", gate.Status == GateStatus.Fail ? "error" : "warning");
        WriteMessage(w, "message", ResultMessage(gate, attack));

        w.WriteStartArray("locations");
        if (config is not null) WriteLocation(w, config, Math.Max(1, gate.Gate.Line), $"gate '{gate.Gate.Id}' sets the threshold here");
        WriteLocation(w, model, null, $"model scanned (SHA-256 {report.ModelSha256})");
        w.WriteEndArray();

        w.WriteStartObject("partialFingerprints");
        w.WriteString(FingerprintName, Fingerprint(gate.Rule.Id, gate.Gate.Id, (config ?? model).FingerprintPath));
        w.WriteEndObject();

        w.WriteStartObject("properties");
        w.WriteString("gateId", gate.Gate.Id);
        w.WriteString("metric", gate.Gate.Metric);
        w.WriteString("status", ScanReportJson.StatusName(gate.Status));
        w.WriteString("comparison", gate.Gate.Min is not null ? "min" : "max");
        w.WriteNumber("threshold", gate.Gate.Threshold);
        w.WriteString("bound", gate.Gate.Bound == GateBound.Point ? "point" : "confidence");
        ScanReportJson.WriteFinite(w, "measured", gate.Measured.Value);
        ScanReportJson.WriteFinite(w, "judgedValue", gate.JudgedValue);
        if (gate.Measured.Proportion is { } p)
        {
            w.WriteNumber("ciLower", p.Lower);
            w.WriteNumber("ciUpper", p.Upper);
            w.WriteNumber("successes", p.Successes);
            w.WriteNumber("trials", p.Trials);
        }
        if (gate.Sequential is { } q) ScanReportJson.WriteSequential(w, q);
        if (gate.Gate.Source is { } source) w.WriteString("source", source);
        if (gate.Gate.Budget is { } budget) w.WriteNumber("budget", budget);
        if (gate.Gate.Label is { } label) w.WriteString("label", label);
        if (attack is not null)
        {
            var c = attack.Config;
            var s = c.Settings;
            w.WriteString("attack", c.Attack);
            w.WriteString("attackId", c.Id);
            w.WriteString("norm", NormNames.Of(s.Norm));
            if (gate.Gate.Budget is { } eps) w.WriteNumber("epsilon", eps);
            AttackJson.WriteParameters(w, attack.Keys, s);
        }
        w.WriteNumber("seed", report.Seed);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    internal static string ResultMessage(GateResult gate, AttackReport? attack)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Gate '{gate.Gate.Id}': {gate.Message}.");
        if (attack is not null)
        {
            var a = attack.Config;
            text.Append(c, $" Attack {a.Attack} ('{a.Id}')");
            if (gate.Gate.Budget is { } eps) text.Append(c, $" at eps {eps}");
            text.Append(c, $": {attack.Description}.");
        }
        return text.ToString();
    }

    private static int IndexOf(IReadOnlyList<GateRule> rules, GateRule rule)
    {
        for (int i = 0; i < rules.Count; i++) if (rules[i].Id == rule.Id) return i;
        return 0;
    }

    private void WriteArtifact(Utf8JsonWriter w, Location location, string role, string? sha256)
    {
        w.WriteStartObject();
        // An artifact names its file "location"; a physicalLocation names it "artifactLocation".
        WriteArtifactLocation(w, location, "location");
        w.WriteStartArray("roles");
        w.WriteStringValue(role);
        w.WriteEndArray();
        if (sha256 is not null)
        {
            w.WriteStartObject("hashes");
            w.WriteString("sha-256", sha256);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private void WriteLocation(Utf8JsonWriter w, Location location, int? line, string message)
    {
        w.WriteStartObject();
        w.WriteStartObject("physicalLocation");
        WriteArtifactLocation(w, location, "artifactLocation");
        if (line is { } l)
        {
            w.WriteStartObject("region");
            w.WriteNumber("startLine", l);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        WriteMessage(w, "message", message);
        w.WriteEndObject();
    }

    private void WriteArtifactLocation(Utf8JsonWriter w, Location location, string propertyName)
    {
        w.WriteStartObject(propertyName);
        w.WriteString("uri", location.Uri);
        if (location.Relative) w.WriteString("uriBaseId", options.UriBaseId);
        w.WriteEndObject();
    }

    /// <summary>
    /// A message people read (in code review, in the editor through the analyzers): ids and names from the config and
    /// data in it are escaped, so a gate id cannot make it span lines; the properties keep the raw values.
    /// </summary>
    private static void WriteMessage(Utf8JsonWriter w, string name, string text)
    {
        w.WriteStartObject(name);
        w.WriteString("text", UntrustedText.Escape(text, MaxMessage));
        w.WriteEndObject();
    }

    /// <summary>The longest message written whole.</summary>
    private const int MaxMessage = 4000;

    /// <summary>
    /// Stable across runs: it hashes what identifies the gate (rule, gate id, config path relative to the root), never
    /// the measured figure, so code scanning tracks one alert per gate as the numbers move.
    /// </summary>
    internal static string Fingerprint(string ruleId, string gateId, string configPath) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{ruleId}\n{gateId}\n{configPath}")));

    /// <param name="Uri">The artifact URI: relative with forward slashes under the root, else an absolute file URI.</param>
    /// <param name="FingerprintPath">Machine-independent name: the relative path, or the file name outside the root.</param>
    private sealed record Location(string Uri, bool Relative, string FingerprintPath);

    private Location Locate(string path)
    {
        if (options.SourceRoot is { } root && Path.IsPathFullyQualified(path))
        {
            var relative = Path.GetRelativePath(Path.GetFullPath(root), Path.GetFullPath(path));
            bool outside = relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            if (relative != "." && !outside && !Path.IsPathRooted(relative))
            {
                var uri = string.Join('/', relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Select(Uri.EscapeDataString));
                return new Location(uri, true, relative.Replace('\\', '/'));
            }
        }
        if (Path.IsPathFullyQualified(path)) return new Location(new Uri(path).AbsoluteUri, false, Path.GetFileName(path));
        var relativeUri = string.Join('/', path.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Select(Uri.EscapeDataString));
        return new Location(relativeUri, false, path.Replace('\\', '/'));
    }
}
