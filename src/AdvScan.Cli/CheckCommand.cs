using System.Globalization;
using System.Text;
using System.Text.Json;
using AdvScan.Reporting;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Cli;

/// <summary>
/// <c>advscan &lt;check&gt; --model M --data D [--key value ...]</c>: a verb for every registered check that has no
/// hand-written one, generated from what the check declares. Each of its config keys becomes a <c>--kebab-case</c>
/// option with the key's type, default and description; the options become the check's entry of an advscan.json
/// built in memory, which the config reader judges as it would the file (so the check's validation, limits and
/// defaults are the only ones), and the scan runs as <c>advscan scan</c> would run it. A new check gets its verb and
/// its help with no CLI code.
/// </summary>
/// <remarks>
/// Options are read with the CLI's <see cref="ArgumentReader"/> rather than System.CommandLine, like every other verb
/// here: moving all verbs at once is left to the CLI's own migration. A problem in an option's value is reported
/// against the option (the in-memory config's line is mapped back to it).
/// </remarks>
internal static class CheckCommand
{
    private static readonly string[] Common =
        ["--model", "--data", "--labels", "--data-root", "--sample", "--seed", "--batch", "--device", "--output-dir", "--plain-progress"];

    /// <summary>The checks that get a generated verb: those whose name is not already a command.</summary>
    public static IEnumerable<IScanCheck> Generated(ScanRegistry registry, IReadOnlySet<string> commands) =>
        registry.Checks.Where(c => !commands.Contains(c.Name)).OrderBy(c => c.Name, StringComparer.Ordinal);

    /// <summary>The --help entry of every generated verb, options and defaults taken from the check.</summary>
    public static string Usage(ScanRegistry registry, IReadOnlySet<string> commands)
    {
        var text = new StringBuilder();
        foreach (var check in Generated(registry, commands))
        {
            text.Append(CultureInfo.InvariantCulture, $"  {check.Name} --model <model.onnx> --data <data> [--labels <labels>] [--data-root DIR] [--sample N] [--seed S]\n");
            text.Append(' ', 4 + check.Name.Length).Append(" [--batch B] [--device cpu|cuda] [--output-dir DIR] [--json F] [--sarif F] [--html F] [--markdown F]\n");
            text.Append("      ").Append(check.Summary).Append('\n');
            foreach (var key in check.Keys)
            {
                var value = key.Type == "boolean" ? "" : " " + ValueHint(key);
                var fallback = key.Default is null ? "" : $" (default {key.Default})";
                text.Append(CultureInfo.InvariantCulture, $"      --{Kebab(key.Name)}{value}: {key.Description}{fallback}\n");
            }
        }
        return text.ToString();
    }

    /// <param name="services">The composition the check was found in; the caller owns it.</param>
    public static int Run(IScanCheck check, ArgumentReader args, CliSession session, ServiceProvider services, CancellationToken cancellationToken)
    {
        var outputs = ReportOutputs.Read(args);
        var device = args.String("--device");
        var plain = args.Flag("--plain-progress");
        var outputDir = args.String("--output-dir");
        var (json, lineToOption) = Config(check, args);
        args.RejectUnknown();

        // The in-memory config sits in the working folder, so relative paths in options resolve as the user typed them.
        var configPath = Path.Combine(Directory.GetCurrentDirectory(), $"advscan-{check.Name}.advscan.json");
        // The config exists only in memory: a problem located on one of its lines is reported against the option that
        // wrote that line, under the verb's name, never at a file that does not exist.
        var verb = $"advscan {check.Name}";
        InvalidInputException Relocate(InvalidInputException e)
        {
            if (e.File != configPath) return e;
            var option = e.Line is { } line && lineToOption.TryGetValue(line, out var name) ? name : null;
            return new InvalidInputException(verb, option is null ? e.Problem : $"option {option}: {e.Problem}", inner: e.InnerException);
        }
        return ScanCommand.Execute(session, verb, services, scanner => ScanConfigReader.Parse(json, configPath, scanner.Registry, session.Options.Limits, outputDir),
            new ScanOptions(device), outputs, plain, outputDir, cancellationToken, Relocate);
    }

    /// <summary>The advscan.json the options describe, one member a line, and which option each line came from.</summary>
    private static (string Json, Dictionary<int, string> LineToOption) Config(IScanCheck check, ArgumentReader args)
    {
        var model = args.String("--model") ?? throw new InvalidInputException(null, "missing --model <model.onnx>");
        var data = args.String("--data") ?? throw new InvalidInputException(null, "missing --data <data>");
        var lines = new List<(string Text, string? Option)> { ("{", null) };
        void Member(string text, string? option) => lines.Add(("  " + text + ",", option));
        Member($"\"model\": {Quote(Path.GetFullPath(model))}", "--model");
        var dataMembers = $"\"path\": {Quote(Path.GetFullPath(data))}";
        if (args.String("--labels") is { } labels) dataMembers += $", \"labels\": {Quote(Path.GetFullPath(labels))}";
        if (args.String("--data-root") is { } root) dataMembers += $", \"root\": {Quote(Path.GetFullPath(root))}";
        Member($"\"data\": {{ {dataMembers} }}", "--data");
        var sample = args.String("--sample");
        var seed = args.String("--seed");
        if (sample is not null || seed is not null)
            Member($"\"sample\": {{ {(sample is null ? "" : $"\"size\": {Literal("integer", sample, "--sample")}")}{(sample is not null && seed is not null ? ", " : "")}{(seed is null ? "" : $"\"seed\": {Literal("integer", seed, "--seed")}")} }}", sample is not null ? "--sample" : "--seed");
        if (args.String("--batch") is { } batch) Member($"\"batchSize\": {Literal("integer", batch, "--batch")}", "--batch");
        lines.Add(("  \"checks\": [ {", null));
        lines.Add(($"    \"check\": {Quote(check.Name)}", null));
        foreach (var key in check.Keys)
        {
            var option = "--" + Kebab(key.Name);
            string? literal = key.Type == "boolean"
                ? args.Flag(option) ? "true" : null
                : args.String(option) is { } text ? Literal(key.Type, text, option) : null;
            if (literal is null) continue;
            lines[^1] = (lines[^1].Text + ",", lines[^1].Option);
            lines.Add(($"    {Quote(key.Name)}: {literal}", option));
        }
        lines.Add(("  } ]", null));
        lines.Add(("}", null));
        var map = new Dictionary<int, string>();
        for (int i = 0; i < lines.Count; i++) if (lines[i].Option is { } o) map[i + 1] = o;
        return (string.Join("\n", lines.Select(l => l.Text)) + "\n", map);
    }

    /// <summary>The JSON literal for an option's text, by the key's declared JSON type.</summary>
    private static string Literal(string type, string text, string option)
    {
        string Number(string t) => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? d.ToString("R", CultureInfo.InvariantCulture)
            : throw new InvalidInputException(null, $"option {option} expects a number, got '{UntrustedText.Escape(t)}'");
        string Integer(string t) => long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)
            ? l.ToString(CultureInfo.InvariantCulture)
            : throw new InvalidInputException(null, $"option {option} expects an integer, got '{UntrustedText.Escape(t)}'");
        string Numbers(string t) => "[" + string.Join(", ", t.Split(',').Select(p => Number(p.Trim()))) + "]";
        return type switch
        {
            "number" => Number(text),
            "integer" => Integer(text),
            "array" => Numbers(text),
            "number|array" => text.Contains(',') ? Numbers(text) : Number(text),
            "object" => ValidJson(text, option),
            _ => Quote(text),
        };
    }

    private static string ValidJson(string text, string option)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.GetRawText();
        }
        catch (JsonException)
        {
            throw new InvalidInputException(null, $"option {option} expects a JSON value, got '{UntrustedText.Escape(text)}'");
        }
    }

    private static string Quote(string text) => JsonSerializer.Serialize(text);

    private static string ValueHint(ConfigKey key) => key.Enum is { Count: > 0 } choices ? string.Join("|", choices) : key.Type switch
    {
        "array" => "A,B,...",
        "number|array" => "X[,Y...]",
        "integer" => "N",
        "number" => "X",
        "object" => "JSON",
        _ => "TEXT",
    };

    /// <summary>drawsPerImage -> draws-per-image.</summary>
    internal static string Kebab(string name)
    {
        var text = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c)) text.Append('-').Append(char.ToLowerInvariant(c));
            else text.Append(c);
        }
        return text.ToString();
    }
}
