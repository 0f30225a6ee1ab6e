using System.Globalization;

namespace AdvScan.Cli;

/// <summary>
/// Reads `verb positional --option value --flag` command lines. Every malformed value is an
/// <see cref="InvalidInputException"/> naming the option, so the CLI can answer with exit code 2 and one line.
/// </summary>
internal sealed class ArgumentReader
{
    private readonly List<string> _positionals = new();
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);

    public ArgumentReader(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                var eq = a.IndexOf('=');
                if (eq > 0) _options[a[..eq]] = a[(eq + 1)..];
                else if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal)) _options[a] = list[++i];
                else _options[a] = null;
            }
            else _positionals.Add(a);
        }
    }

    public IReadOnlyList<string> Positionals => _positionals;

    public string Positional(int index, string what) =>
        index < _positionals.Count ? _positionals[index] : throw new InvalidInputException(null, $"missing {what}");

    /// <summary>Whether the option was given, without reading it.</summary>
    public bool Has(string name) => _options.ContainsKey(name);

    public bool Flag(string name)
    {
        _consumed.Add(name);
        return _options.ContainsKey(name);
    }

    public string? String(string name)
    {
        _consumed.Add(name);
        if (!_options.TryGetValue(name, out var v)) return null;
        return v ?? throw new InvalidInputException(null, $"option {name} needs a value");
    }

    public int Int(string name, int fallback, int min = int.MinValue)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new InvalidInputException(null, $"option {name} expects an integer, got '{UntrustedText.Escape(text)}'");
        if (v < min) throw new InvalidInputException(null, $"option {name} must be at least {min}, got {v}");
        return v;
    }

    /// <summary>
    /// An integer option bounded by a resource limit (<c>nameof(ResourceLimits.MaxSteps)</c>): above the limit in force
    /// is an error that names the limit and its --limit-* option.
    /// </summary>
    public int Int(string name, int fallback, int min, string limit)
    {
        var v = Int(name, fallback, min);
        ResourceLimits.Check(v, ResourceLimits.Of(limit), $"option {name}");
        return v;
    }

    /// <summary>An integer option that has no default: null when absent.</summary>
    public int? OptionalInt(string name, int min = int.MinValue) => String(name) is null ? null : Int(name, 0, min);

    /// <summary>An integer option with no default, bounded by a resource limit (see <see cref="Int(string, int, int, string)"/>).</summary>
    public int? OptionalInt(string name, int min, string limit) => String(name) is null ? null : Int(name, 0, min, limit);

    /// <summary>A number option that has no default: null when absent.</summary>
    public double? OptionalDouble(string name) => String(name) is null ? null : Double(name, 0);

    public double Double(string name, double fallback)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw new InvalidInputException(null, $"option {name} expects a number, got '{UntrustedText.Escape(text)}'");
        return v;
    }

    /// <summary>Call after reading every option a verb knows: anything left is a typo worth reporting.</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_consumed.Contains(k)).ToList();
        if (unknown.Count > 0) throw new InvalidInputException(null, $"unknown option(s): {UntrustedText.Escape(string.Join(", ", unknown))}");
    }
}
