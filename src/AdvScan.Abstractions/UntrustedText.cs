using System.Globalization;
using System.Text;

namespace AdvScan;

/// <summary>
/// Text that came from an input (a node name, a class name, a gate id, a path, an exception message about a file) is
/// printed through <see cref="Escape"/>: control characters become visible escapes, so a newline cannot start a line of
/// its own (a forged <c>file(7,1): error ADV1002</c> diagnostic), bidirectional overrides cannot reorder what a reviewer
/// sees, and a long value is cut so one hostile string cannot make a 100 MB error line.
/// </summary>
public static class UntrustedText
{
    /// <summary>The longest untrusted value printed whole; longer ones are cut and say how much was left out.</summary>
    public const int DefaultMaxLength = 200;

    public static string Escape(string? text, int maxLength = DefaultMaxLength)
    {
        if (text is null) return "";
        bool cut = text.Length > maxLength;
        var source = cut ? text.AsSpan(0, maxLength) : text.AsSpan();
        StringBuilder? builder = null;
        for (int i = 0; i < source.Length; i++)
        {
            char c = source[i];
            string? escape = c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when NeedsEscape(c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => null,
            };
            if (escape is null) { builder?.Append(c); continue; }
            builder ??= new StringBuilder(source.Length + 16).Append(source[..i]);
            builder.Append(escape);
        }
        var result = builder?.ToString() ?? source.ToString();
        return cut ? result + string.Create(CultureInfo.InvariantCulture, $"...({text.Length - maxLength} more characters)") : result;
    }

    /// <summary>C0 and C1 controls, DEL, line and paragraph separators, and bidi marks, embeddings, overrides and isolates.</summary>
    private static bool NeedsEscape(char c) =>
        c < 0x20 || (c >= 0x7f && c <= 0x9f) || c is '\u2028' or '\u2029' || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069') || c is '\u200e' or '\u200f' or '\u061c';
}
