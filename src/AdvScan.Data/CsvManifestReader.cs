using System.Globalization;
using System.Text;

namespace AdvScan.Data;

/// <summary>
/// A CSV manifest with a header naming a <c>path</c> and a <c>label</c> column. Relative paths resolve against the
/// manifest's folder. Labels are class indices when every label is an integer, class names otherwise. Every row's
/// path is resolved with its links followed and must stay inside the data root (the manifest's folder unless
/// <see cref="DatasetOptions.Root"/> widens it), checked as the row is read, before anything opens it. The manifest is
/// bounded: <see cref="ResourceLimits.MaxManifestBytes"/>, <see cref="ResourceLimits.MaxLineLength"/> per line and
/// <see cref="ResourceLimits.MaxExamples"/> rows.
/// </summary>
internal static class CsvManifestReader
{
    public static IImageDataset Open(string manifest, DatasetOptions options)
    {
        var limits = ResourceLimits.Current;
        var lines = ReadLines(manifest, limits);
        int headerLine = lines.FindIndex(l => l.Text.Trim().Length > 0);
        if (headerLine < 0) throw new InvalidInputException(manifest, "is empty (expected a 'path,label' header and one row per image); empty dataset");
        var (headerText, headerNumber) = lines[headerLine];
        var header = SplitRow(headerText, manifest, headerNumber).Select(h => h.Trim().ToLowerInvariant()).ToList();
        int pathColumn = header.IndexOf("path"), labelColumn = header.IndexOf("label");
        if (pathColumn < 0 || labelColumn < 0)
            throw new InvalidInputException(manifest, $"header must name a 'path' and a 'label' column, found '{UntrustedText.Escape(headerText)}'", headerNumber);

        var folder = Path.GetDirectoryName(Path.GetFullPath(manifest))!;
        var root = DataFiles.Root(options.Root, folder);
        var rows = new List<(string Path, string Real, string Label, int Line)>();
        foreach (var (text, number) in lines.Skip(headerLine + 1))
        {
            if (text.Trim().Length == 0) continue;
            var fields = SplitRow(text, manifest, number);
            if (fields.Count <= Math.Max(pathColumn, labelColumn))
                throw new InvalidInputException(manifest, $"row has {fields.Count} field(s), expected at least {Math.Max(pathColumn, labelColumn) + 1}", number);
            var path = fields[pathColumn].Trim();
            var label = fields[labelColumn].Trim();
            if (path.Length == 0) throw new InvalidInputException(manifest, "row has an empty path", number);
            if (label.Length == 0) throw new InvalidInputException(manifest, "row has an empty label", number);
            if (path.Contains('\0')) throw new InvalidInputException(manifest, "row's path contains a NUL character", number);
            var full = Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(folder, path));
            var real = DataFiles.Inside(full, root, $"row path '{UntrustedText.Escape(path)}'", manifest, number);
            rows.Add((full, real, label, number));
            ResourceLimits.Check(rows.Count, limits.MaxExamples, "maxExamples", "the number of rows", manifest, number);
        }
        if (rows.Count == 0) throw new InvalidInputException(manifest, "has a header but no rows; empty dataset");

        bool numeric = rows.All(r => int.TryParse(r.Label, NumberStyles.None, CultureInfo.InvariantCulture, out _));
        IReadOnlyList<string>? classes = options.ClassNames
            ?? (numeric ? null : rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
        var entries = new List<FileEntry>(rows.Count);
        foreach (var (path, real, text, line) in rows)
        {
            int label;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && (numeric || options.ClassNames is not null))
            {
                if (classes is not null && index >= classes.Count)
                    throw new InvalidInputException(manifest, $"label {index} is outside the {classes.Count} declared classes", line);
                label = index;
            }
            else
            {
                label = classes is null ? -1 : IndexOfOrdinal(classes, text);
                if (label < 0)
                    throw new InvalidInputException(manifest, $"label '{UntrustedText.Escape(text)}' is not a class index or one of the declared classes ({UntrustedText.Escape(string.Join(", ", classes ?? []))})", line);
            }
            entries.Add(new FileEntry(path, real, label, manifest, line));
        }
        return FileListDataset.Create(manifest, entries, classes, options);
    }

    private static int IndexOfOrdinal(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
            if (string.Equals(list[i], value, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>
    /// The manifest's lines with their 1-based numbers, read from a regular file (kind checked before the open) within
    /// the byte and line-length limits, so neither one huge line nor a huge file is ever held whole.
    /// </summary>
    private static List<(string Text, int Number)> ReadLines(string manifest, ResourceLimits limits)
    {
        using var stream = TrustBoundary.OpenRead(manifest, what: "manifest");
        ResourceLimits.Check(stream.Length, limits.MaxManifestBytes, "maxManifestBytes", "the manifest's size in bytes", manifest);
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        var lines = new List<(string, int)>();
        var line = new StringBuilder();
        int number = 1;
        try
        {
            for (int c = reader.Read(); c >= 0; c = reader.Read())
            {
                if (c is '\n' or '\r')
                {
                    if (c == '\r' && reader.Peek() == '\n') reader.Read();
                    lines.Add((line.ToString(), number++));
                    line.Clear();
                    continue;
                }
                if (line.Length >= limits.MaxLineLength)
                    throw new InvalidInputException(manifest, string.Create(CultureInfo.InvariantCulture,
                        $"line is longer than the limit of {limits.MaxLineLength} characters (raise it with limits.maxLineLength in advscan.json)"), number);
                line.Append((char)c);
            }
        }
        catch (IOException e)
        {
            throw new InvalidInputException(manifest, $"cannot be read: {UntrustedText.Escape(e.Message)}", number, e);
        }
        if (line.Length > 0) lines.Add((line.ToString(), number));
        return lines;
    }

    /// <summary>Splits one CSV record (RFC 4180 quoting within a line; quoted newlines are not supported).</summary>
    private static List<string> SplitRow(string line, string file, int lineNumber)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else current.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(ch);
        }
        if (quoted) throw new InvalidInputException(file, "has an unterminated quoted field", lineNumber);
        fields.Add(current.ToString());
        return fields;
    }
}
