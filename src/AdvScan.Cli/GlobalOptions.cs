using System.Globalization;

namespace AdvScan.Cli;

/// <summary>
/// The options every verb takes, read once by <see cref="CliApp"/> (anywhere on the command line) and removed before
/// the verb reads its own: <c>--verbose</c>, <c>--timeout SECONDS</c>, <c>--diagnostics FILE</c> and one
/// <c>--limit-&lt;name&gt; N</c> per <see cref="ResourceLimits"/> bound (<see cref="ResourceLimits.All"/>).
/// </summary>
internal sealed record GlobalOptions(
    IReadOnlyList<string> Verb,
    bool Verbose,
    TimeSpan? Timeout,
    string? DiagnosticsFile,
    IReadOnlyDictionary<ResourceLimit, long> Limits)
{
    /// <summary>The longest --timeout (about 23 days): with the grace period it still fits a thread join in milliseconds.</summary>
    public const int MaxTimeoutSeconds = 2_000_000;

    public const string Usage = """
        global options (any command, anywhere on the line):
          --timeout SECONDS   stop the command after SECONDS: the work is cancelled, and if it has not stopped 5 s later
                              the process ends anyway; either way one line `error ADV4006: ...` and exit code 124
          --verbose           with an internal error (exit 3), print its stack trace after the one-line message
          --threads N         CPU threads for libtorch and for ONNX Runtime's sessions alike (default: libtorch's, the
                              machine's physical cores)
          --diagnostics FILE  also write every diagnostic (failed gates, bad input, internal errors, timeouts) to FILE
                              as JSON lines: {"severity","code","file","line","column","message"} (the MSBuild task reads it)
          {LIMITS}
                              raise or lower a bound on what an input may ask for (defaults in parentheses); a command
                              line value wins over advscan.json's "limits" section
        """;

    /// <summary>The --limit-* options with their defaults, for the usage text.</summary>
    public static string LimitsUsage() =>
        string.Join("\n  ", ResourceLimits.All.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Option} N ({l.Default})")));

    public static GlobalOptions Read(IReadOnlyList<string> args)
    {
        var verb = new List<string>();
        bool verbose = false;
        TimeSpan? timeout = null;
        string? diagnostics = null;
        var limits = new Dictionary<ResourceLimit, long>();
        for (int i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = arg.StartsWith("--", StringComparison.Ordinal) && eq > 0 ? arg[..eq] : arg;
            string Value()
            {
                if (eq > 0 && name.Length < arg.Length) return arg[(eq + 1)..];
                if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) return args[++i];
                throw new InvalidInputException(null, $"option {name} needs a value");
            }
            switch (name)
            {
                case "--verbose":
                    verbose = true;
                    break;
                case "--timeout":
                    timeout = Seconds(Value());
                    break;
                case "--diagnostics":
                    diagnostics = Value();
                    break;
                default:
                    if (name.StartsWith("--limit-", StringComparison.Ordinal))
                    {
                        var limit = ResourceLimits.All.FirstOrDefault(l => l.Option == name)
                            ?? throw new InvalidInputException(null, $"unknown option {UntrustedText.Escape(name)}; the limits are {string.Join(", ", ResourceLimits.All.Select(l => l.Option))}");
                        limits[limit] = Limit(name, Value(), limit);
                    }
                    else verb.Add(arg);
                    break;
            }
        }
        return new GlobalOptions(verb, verbose, timeout, diagnostics, limits);
    }

    private static TimeSpan Seconds(string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0 && seconds <= MaxTimeoutSeconds))
            throw new InvalidInputException(null, $"option --timeout expects seconds in (0, {MaxTimeoutSeconds}], got '{UntrustedText.Escape(text)}'");
        return TimeSpan.FromSeconds(seconds);
    }

    private static long Limit(string option, string text, ResourceLimit limit)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > limit.Maximum)
            throw new InvalidInputException(null, $"option {option} expects a whole number in [1, {limit.Maximum}], got '{UntrustedText.Escape(text)}'");
        return value;
    }
}
