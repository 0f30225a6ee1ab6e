using System.Globalization;
using System.Text;

namespace AdvScan.Data;

/// <summary>
/// A CSV manifest with a header naming a <c>path</c> and a <c>label</c> column. Relative paths resolve against the
/// manifest's folder. Labels are class indices when every label is an integer, class names otherwise.
/// </summary>
internal static class CsvManifestReader
{
    public static IImageDataset Open(string manifest, DatasetOptions options)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(manifest);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(manifest, $"cannot be read: {e.Message}", inner: e);
        }
        int headerLine = Array.FindIndex(lines, l => l.Trim().Length > 0);
        if (headerLine < 0) throw new InvalidInputException(manifest, "is empty (expected a 'path,label' header and one row per image); empty dataset");
        var header = SplitRow(lines[headerLine], manifest, headerLine + 1).Select(h => h.Trim().ToLowerInvariant()).ToList();
        int pathColumn = header.IndexOf("path"), labelColumn = header.IndexOf("label");
        if (pathColumn < 0 || labelColumn < 0)
            throw new InvalidInputException(manifest, $"header must name a 'path' and a 'label' column, found '{lines[headerLine]}'", headerLine + 1);

        var folder = Path.GetDirectoryName(Path.GetFullPath(manifest))!;
        var rows = new List<(string Path, string Label, int Line)>();
        for (int i = headerLine + 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            var fields = SplitRow(lines[i], manifest, i + 1);
            if (fields.Count <= Math.Max(pathColumn, labelColumn))
                throw new InvalidInputException(manifest, $"row has {fields.Count} field(s), expected at least {Math.Max(pathColumn, labelColumn) + 1}", i + 1);
            var path = fields[pathColumn].Trim();
            var label = fields[labelColumn].Trim();
            if (path.Length == 0) throw new InvalidInputException(manifest, "row has an empty path", i + 1);
            if (label.Length == 0) throw new InvalidInputException(manifest, "row has an empty label", i + 1);
            rows.Add((Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(folder, path)), label, i + 1));
        }
        if (rows.Count == 0) throw new InvalidInputException(manifest, "has a header but no rows; empty dataset");

        bool numeric = rows.All(r => int.TryParse(r.Label, NumberStyles.None, CultureInfo.InvariantCulture, out _));
        IReadOnlyList<string>? classes = options.ClassNames
            ?? (numeric ? null : rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
        var entries = new List<FileEntry>(rows.Count);
        foreach (var (path, text, line) in rows)
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
                    throw new InvalidInputException(manifest, $"label '{text}' is not a class index or one of the declared classes ({string.Join(", ", classes ?? [])})", line);
            }
            entries.Add(new FileEntry(path, label, manifest, line));
        }
        return FileListDataset.Create(manifest, entries, classes, options);
    }

    private static int IndexOfOrdinal(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
            if (string.Equals(list[i], value, StringComparison.Ordinal)) return i;
        return -1;
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
