using System.Text;

namespace AdvScan.Cli;

/// <summary>
/// stdout and stderr as every verb sees them: each <c>WriteLine</c> is exactly one line, whatever text it carries. Names
/// and paths from models, data and configs reach many lines (a gate id, a class name, an ONNX node name), so rather
/// than trust every call site, control characters (a newline that would start a forged
/// <c>src/Evil.cs(7,1): error ADV1002</c> line, a terminal escape, a bidi override) are written as visible escapes by
/// <see cref="UntrustedText.Escape"/>, and a line is cut at <see cref="MaxLine"/> characters. A document that is meant
/// to span lines (the schema, the help) goes through <see cref="Document(TextWriter, string)"/>.
/// </summary>
internal sealed class LineWriter(TextWriter inner) : TextWriter
{
    /// <summary>The longest line printed whole: a hostile 50 MB name cannot become a 50 MB line.</summary>
    public const int MaxLine = 8192;

    private readonly object gate = new();
    private bool closed;

    /// <summary>Whether <see cref="Close"/> has been called.</summary>
    public bool IsClosed
    {
        get { lock (gate) return closed; }
    }

    /// <summary>The writer underneath (for a progress display that needs the real console).</summary>
    public TextWriter Inner => inner;

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        Forward(w => w.Write(UntrustedText.Escape(value, MaxLine)));
    }

    public override void WriteLine(string? value) => Forward(w => w.WriteLine(UntrustedText.Escape(value, MaxLine)));

    public override void WriteLine() => Forward(w => w.WriteLine());

    /// <summary>Text meant to span lines, written as is: only for what AdvScan generates itself (the schema, the help).</summary>
    public void Document(string text) => Forward(w => w.Write(text));

    /// <summary>Writes <paramref name="line"/> and ignores everything after it: a timed-out verb still running must not add to the one line that ends the run.</summary>
    public void Close(string? line)
    {
        lock (gate)
        {
            if (closed) return;
            if (line is not null) inner.WriteLine(UntrustedText.Escape(line, MaxLine));
            inner.Flush();
            closed = true;
        }
    }

    public override void Flush() => Forward(w => w.Flush());

    /// <summary>Writes <paramref name="text"/> as a multi-line document when <paramref name="writer"/> is a <see cref="LineWriter"/>, else as is.</summary>
    public static void Document(TextWriter writer, string text)
    {
        if (writer is LineWriter lines) lines.Document(text);
        else writer.Write(text);
    }

    private void Forward(Action<TextWriter> write)
    {
        lock (gate)
        {
            if (!closed) write(inner);
        }
    }
}
