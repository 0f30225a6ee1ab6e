using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdvScan.Scanning.Checks;

/// <summary>
/// One object of advscan.json with its line numbers: the one line-aware reader every part of the config goes through.
/// Every accessor validates the type and range and fails with an <see cref="InvalidInputException"/> on the value's
/// own line, so a check reading its keys gets located errors for free.
/// </summary>
public sealed class ConfigSection
{
    private readonly JObject json;

    internal ConfigSection(string file, JObject json, string where, string? outputRoot = null)
    {
        File = file;
        this.json = json;
        Where = where;
        OutputRoot = outputRoot ?? Folder;
    }

    /// <summary>Parses a JSON text (for tests and tools that hold a config entry as text).</summary>
    /// <param name="outputRoot">Where the outputs it names may be written (<see cref="OutputRoot"/>); null: the file's folder.</param>
    public static ConfigSection Parse(string file, string text, string where = "entry", string? outputRoot = null)
    {
        return new ConfigSection(file, LineAwareJson.ParseObject(text, file, $"{where} must be a JSON object"), where, outputRoot);
    }

    public string File { get; }

    /// <summary>What the section is, for messages: "attack", "check 'nc'", "sample".</summary>
    public string Where { get; }

    /// <summary>The 1-based line the object starts on (0 when unknown).</summary>
    public int Line => LineOf(json);

    public string Folder => Path.GetDirectoryName(File) ?? ".";

    /// <summary>
    /// Where outputs the config names (<see cref="OutputPath"/>) are written: the config's folder, unless the user gave
    /// an output folder on the command line (<c>advscan scan --output-dir</c>).
    /// </summary>
    public string OutputRoot { get; }

    public bool Has(string key) => json[key] is not null;

    public IEnumerable<string> Keys => json.Properties().Select(p => p.Name);

    public int LineOf(string key) => json.Property(key) is { } p ? LineOf(p) : Line;

    /// <summary>A located error on <paramref name="key"/>'s line (the object's line when the key is absent or null).</summary>
    public InvalidInputException Fail(string? key, string problem)
    {
        int line = key is null ? Line : LineOf(key);
        return new InvalidInputException(File, problem, line > 0 ? line : null);
    }

    /// <summary>Rejects keys not in <paramref name="known"/>, naming the ones that are.</summary>
    public void RejectUnknown(IEnumerable<string> known)
    {
        var allowed = known.ToList();
        foreach (var p in json.Properties())
            if (!allowed.Contains(p.Name))
                throw new InvalidInputException(File, $"unknown property \"{UntrustedText.Escape(p.Name)}\" in {Where}; expected one of {string.Join(", ", allowed.Where(k => k != "$schema"))}", NullIfZero(LineOf(p)));
    }

    /// <summary>Whether the key holds an object (rather than a string, number or array).</summary>
    public bool IsObject(string key) => json[key] is JObject;

    public ConfigSection? Section(string key)
    {
        if (json[key] is not { } t) return null;
        return t is JObject o ? new ConfigSection(File, o, key, OutputRoot) : throw Fail(key, $"{key} must be an object");
    }

    public IReadOnlyList<ConfigSection> Sections(string key)
    {
        if (json[key] is not { } t) return [];
        if (t is not JArray a) throw Fail(key, $"'{key}' must be an array");
        return a.Select(item => item is JObject o ? new ConfigSection(File, o, key, OutputRoot) : throw At(item, $"each entry of '{key}' must be an object")).ToList();
    }

    public string? String(string key) =>
        json[key] is not { } t ? null : t.Type == JTokenType.String ? t.Value<string>()! : throw At(t, $"{key} must be a string");

    public string String(string key, string fallback) => String(key) ?? fallback;

    public string RequiredString(string key) => String(key) ?? throw Fail(null, $"{Where} is missing required property \"{key}\"");

    /// <summary>A string that must be one of <paramref name="allowed"/>.</summary>
    public string? Choice(string key, IReadOnlyCollection<string> allowed)
    {
        var v = String(key);
        return v is null || allowed.Contains(v) ? v : throw Fail(key, $"{key} must be one of {string.Join(", ", allowed)}, got '{UntrustedText.Escape(v)}'");
    }

    public double? Number(string key, double? min = null, double? max = null, bool exclusiveMin = false, bool exclusiveMax = false)
    {
        if (json[key] is not { } t) return null;
        return CheckRange(t, key, ReadNumber(t, key), min, max, exclusiveMin, exclusiveMax);
    }

    /// <summary>A number or an array of numbers (budget lists such as eps and area), each within the range.</summary>
    public IReadOnlyList<double>? Numbers(string key, double? min = null, double? max = null, bool exclusiveMin = false, bool exclusiveMax = false)
    {
        if (json[key] is not { } t) return null;
        var items = t is JArray a ? a.ToList() : [t];
        if (items.Count == 0) throw At(t, $"{key} must list at least one value");
        return items.Select(v => CheckRange(v, key, ReadNumber(v, key), min, max, exclusiveMin, exclusiveMax)).ToList();
    }

    public int? Int(string key, int min = int.MinValue, int max = int.MaxValue) => (int?)Long(key, min, max);

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>]; one that does not fit 64 bits is out of range.</summary>
    public long? Long(string key, long min = long.MinValue, long max = long.MaxValue)
    {
        if (json[key] is not { } t) return null;
        if (t.Type != JTokenType.Integer) throw At(t, $"{key} must be an integer");
        // A literal beyond 64 bits (a seed of 1000000000000000000000000000000) is held as a BigInteger: out of range, not a crash.
        if ((t as JValue)?.Value is not long v || v < min || v > max)
        {
            // A literal beyond 64 bits (found by fuzzing) is cut and named as such: it may be thousands of digits.
            var got = UntrustedText.Escape(t.ToString(Formatting.None), 40) + (t is JValue { Value: System.Numerics.BigInteger } ? " (beyond 64 bits)" : "");
            // Below an open-ended range the minimum is what matters; anything too large is told the whole range.
            bool belowOpenRange = max is int.MaxValue or long.MaxValue && (t as JValue)?.Value is long low && low < min;
            throw At(t, belowOpenRange ? $"{key} must be an integer >= {min}, got {got}" : $"{key} must be an integer in [{min}, {max}], got {got}");
        }
        return v;
    }

    /// <summary>
    /// An integer bounded by a resource limit (<c>nameof(ResourceLimits.MaxSteps)</c>): above the limit in force is a
    /// located error that names the limit and how to raise it (limits.maxSteps, --limit-max-steps).
    /// </summary>
    public int? Int(string key, int min, string limit)
    {
        var bound = ResourceLimits.Of(limit);
        if (Int(key, min) is not { } v) return null;
        ResourceLimits.Check(v, bound, key, File, NullIfZero(LineOf(json[key])));
        return v;
    }

    public bool? Bool(string key) =>
        json[key] is not { } t ? null : t.Type == JTokenType.Boolean ? t.Value<bool>() : throw At(t, $"{key} must be true or false");

    /// <summary>
    /// A path to an existing regular file, resolved against the config's folder; its links are followed and what they
    /// lead to must be a regular file, checked here, before anything opens it (a FIFO or a device is refused on the
    /// key's line). The path is returned as written (made absolute), so reports show what the config names.
    /// </summary>
    public string? ExistingFile(string key) => Existing(key, allowFolder: false);

    /// <summary>A path to an existing regular file or folder, resolved against the config's folder, links followed (as <see cref="ExistingFile"/>).</summary>
    public string? ExistingPath(string key) => Existing(key, allowFolder: true);

    private string? Existing(string key, bool allowFolder)
    {
        var text = String(key);
        if (text is null) return null;
        if (text.Contains('\0')) throw Fail(key, $"{key} contains a NUL character");
        var path = Path.GetFullPath(Path.Combine(Folder, text));
        var kind = TrustBoundary.KindOf(TrustBoundary.RealPath(path));
        return kind switch
        {
            FileKind.Regular => path,
            FileKind.Directory when allowFolder => path,
            FileKind.Missing => throw Fail(key, allowFolder
                ? $"{key} '{UntrustedText.Escape(text)}' does not exist (resolved to {UntrustedText.Escape(path)})"
                : $"{key} file '{UntrustedText.Escape(text)}' does not exist (resolved to {UntrustedText.Escape(path)})"),
            FileKind.Directory => throw Fail(key, $"{key} '{UntrustedText.Escape(text)}' is a folder, not a file"),
            _ => throw Fail(key, $"{key} '{UntrustedText.Escape(text)}' is a {TrustBoundary.Describe(kind)}, not a regular file; refused"),
        };
    }

    /// <summary>
    /// A file or folder the config asks AdvScan to write (a patch check's savePatch): resolved against
    /// <see cref="OutputRoot"/> with every link followed, and refused on the key's line when it leaves that folder
    /// (<c>../victim.txt</c>, an absolute path elsewhere, or a link planted inside that points out).
    /// </summary>
    public string? OutputPath(string key)
    {
        var text = String(key);
        if (text is null) return null;
        if (text.Contains('\0')) throw Fail(key, $"{key} contains a NUL character");
        var root = TrustBoundary.RealPath(OutputRoot);
        var real = TrustBoundary.RealPath(Path.IsPathRooted(text) ? text : Path.Combine(OutputRoot, text));
        if (!TrustBoundary.IsInside(real, root))
            throw Fail(key, $"{key} '{UntrustedText.Escape(text)}' resolves to {UntrustedText.Escape(real)}, outside {UntrustedText.Escape(root)}; outputs a config names stay inside the config's folder (or the folder given with --output-dir)");
        return real;
    }

    internal JObject Json => json;

    private double ReadNumber(JToken t, string key)
    {
        if (t.Type is not (JTokenType.Float or JTokenType.Integer)) throw At(t, $"{key} must be a number");
        // A BigInteger (an integer literal beyond 64 bits) has no IConvertible; its double is exact enough to range-check.
        var v = t is JValue { Value: System.Numerics.BigInteger big } ? (double)big : t.Value<double>();
        return double.IsFinite(v) ? v : throw At(t, $"{key} must be a finite number");
    }

    private double CheckRange(JToken t, string key, double v, double? min, double? max, bool exclusiveMin, bool exclusiveMax)
    {
        bool low = min is { } lo && (exclusiveMin ? v <= lo : v < lo);
        bool high = max is { } hi && (exclusiveMax ? v >= hi : v > hi);
        if (!low && !high) return v;
        var range = string.Create(CultureInfo.InvariantCulture,
            $"{(min is null ? "(-inf" : (exclusiveMin ? "(" : "[") + min)},{(max is null ? "inf)" : max + (exclusiveMax ? ")" : "]"))}");
        throw At(t, string.Create(CultureInfo.InvariantCulture, $"{key} {v} is outside {range}"));
    }

    private InvalidInputException At(JToken t, string problem) => LineAwareJson.Fail(File, t, problem);

    internal static int LineOf(JToken? token) => LineAwareJson.LineOf(token);

    private static int? NullIfZero(int line) => line > 0 ? line : null;
}
