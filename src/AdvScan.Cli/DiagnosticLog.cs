using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AdvScan.Cli;

/// <summary>One coded diagnostic: a failed gate, bad input, an internal error, a timeout.</summary>
/// <param name="Severity">"error" or "warning".</param>
/// <param name="File">Where it is located; null when nothing better than the command itself is known.</param>
internal sealed record Diagnostic(string Severity, string Code, string? File, int? Line, string Message)
{
    /// <summary>The canonical <c>file(line,1): error CODE: message</c> line that CI log parsers and people read.</summary>
    public string Text => File is null ? $"{Severity} {Code}: {Message}"
        : Line is { } line ? string.Create(CultureInfo.InvariantCulture, $"{File}({line},1): {Severity} {Code}: {Message}")
        : $"{File}: {Severity} {Code}: {Message}";
}

/// <summary>
/// Every diagnostic a command prints, also kept for <c>--diagnostics FILE</c>: one JSON object per line with the
/// severity, code, file, line, column and message as separate fields, so a consumer (the MSBuild task) takes them from
/// structure instead of matching printed text, which names from an input could otherwise imitate. The file is written
/// once, when the command ends (also on bad input, internal errors and timeouts), and is empty when there was nothing
/// to report.
/// </summary>
internal sealed class DiagnosticLog(string? file)
{
    private readonly List<Diagnostic> diagnostics = [];

    /// <summary>Prints <paramref name="diagnostic"/> as one line on <paramref name="writer"/> (its <see cref="Diagnostic.Text"/>, or <paramref name="line"/>) and keeps it for the file.</summary>
    public void Emit(TextWriter writer, Diagnostic diagnostic, string? line = null)
    {
        lock (diagnostics) diagnostics.Add(diagnostic);
        writer.WriteLine(line ?? diagnostic.Text);
    }

    /// <summary>Writes the file, when one was asked for (through a temporary file beside it, never through a link).</summary>
    public void Save()
    {
        if (file is null) return;
        var text = new StringBuilder();
        lock (diagnostics)
        {
            foreach (var d in diagnostics)
            {
                using var buffer = new MemoryStream();
                using (var json = new Utf8JsonWriter(buffer, Options))
                {
                    json.WriteStartObject();
                    json.WriteString("severity", d.Severity);
                    json.WriteString("code", d.Code);
                    if (d.File is not null) json.WriteString("file", FullPath(d.File));
                    if (d.Line is { } line) json.WriteNumber("line", line);
                    json.WriteNumber("column", d.File is not null && d.Line is not null ? 1 : 0);
                    // Escaped like the printed line: a consumer logging the message cannot be made to print two lines.
                    json.WriteString("message", UntrustedText.Escape(d.Message, LineWriter.MaxLine));
                    json.WriteEndObject();
                }
                text.Append(Encoding.UTF8.GetString(buffer.ToArray())).Append('\n');
            }
        }
        TrustBoundary.WriteAllText(file, text.ToString());
    }

    // A file read by programs, never embedded in HTML: quotes and apostrophes stay readable.
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string FullPath(string path)
    {
        try { return Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return path; }
    }
}
