using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdvScan.Scanning;

/// <summary>
/// The one way AdvScan reads JSON a person may have written or edited (advscan.json, a check's entry, a shard report):
/// parsed with line numbers kept and duplicate keys refused, so every problem is reported on its line. The config
/// reader (<see cref="Checks.ConfigSection"/>) and the report reader both parse and locate through here.
/// </summary>
public static class LineAwareJson
{
    private static readonly JsonLoadSettings Settings = new() { LineInfoHandling = LineInfoHandling.Load, DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error };

    /// <summary>
    /// Reads a JSON text file (a config, a shard report) after checking it is a regular file no larger than
    /// <see cref="ResourceLimits.MaxConfigBytes"/>, so a huge or endless input is refused before any of it is parsed.
    /// </summary>
    /// <param name="what">What the file is, for messages: "config", "shard report".</param>
    public static string ReadText(string path, string what)
    {
        using var stream = TrustBoundary.OpenRead(path, what: what);
        var limit = ResourceLimits.Of(nameof(ResourceLimits.MaxConfigBytes));
        long max = limit.ValueIn(ResourceLimits.Current);
        if (stream.Length > max)
            throw new InvalidInputException(path, FormattableString.Invariant($"{what} is {stream.Length} bytes, above the limit of {max} (raise it with {limit.Option})"));
        try
        {
            using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"{what} cannot be read: {UntrustedText.Escape(e.Message)}", inner: e);
        }
    }

    /// <summary>Parses <paramref name="json"/> into an object; not JSON, or not an object, is a located <see cref="InvalidInputException"/>.</summary>
    /// <param name="notAnObject">The problem to report when the text is JSON but not an object.</param>
    public static JObject ParseObject(string json, string? file, string notAnObject = "must be a JSON object")
    {
        try
        {
            var token = JToken.Parse(json, Settings);
            return token as JObject ?? throw Fail(file, token, notAnObject);
        }
        catch (JsonReaderException e)
        {
            // The parser quotes what it choked on (a 10-million-digit number, say): escaped and cut like any input text.
            throw new InvalidInputException(file, $"is not valid JSON: {UntrustedText.Escape(e.Message.Split(" Path")[0], 300)}", e.LineNumber, e);
        }
    }

    /// <summary>The 1-based line a token starts on, 0 when unknown.</summary>
    public static int LineOf(JToken? token) => token is IJsonLineInfo info && info.HasLineInfo() ? info.LineNumber : 0;

    /// <summary>A problem located on <paramref name="token"/>'s line (unlocated when the line is unknown).</summary>
    public static InvalidInputException Fail(string? file, JToken? token, string problem) =>
        new(file, problem, LineOf(token) is var line && line > 0 ? line : null);
}
