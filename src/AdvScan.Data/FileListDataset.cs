namespace AdvScan.Data;

/// <summary>
/// One image file of a file-list dataset, with where it was declared (a CSV line, or the file itself):
/// <see cref="Path"/> as named (shown in messages), <see cref="Real"/> resolved inside the data root (what is opened).
/// </summary>
internal sealed record FileEntry(string Path, string Real, int Label, string DeclaredIn, int? Line = null)
{
    public string Source => Line is null ? Path : $"{DeclaredIn}({Line}): {Path}";

    public InvalidInputException Error(string problem) =>
        Line is null ? new InvalidInputException(Path, problem) : new InvalidInputException(DeclaredIn, $"{Path} {problem}", Line);
}

/// <summary>
/// A dataset of image files (an image folder or a CSV manifest). Opening reads every file's header, so non-image
/// files and mixed sizes are reported before any work starts; pixels are decoded per batch.
/// </summary>
internal sealed class FileListDataset : ImageDatasetBase
{
    private readonly FileEntry[] _entries;

    private FileListDataset(string name, FileEntry[] entries, ImageGeometry geometry, IReadOnlyList<string>? classNames, ResizePolicy resize, IReadOnlyList<SkippedInput> skipped)
        : base(name, geometry, entries.Select(e => e.Label).ToArray(), classNames, resize, skipped)
    {
        _entries = entries;
    }

    public static FileListDataset Create(string name, IReadOnlyList<FileEntry> candidates, IReadOnlyList<string>? classNames, DatasetOptions options)
    {
        var kept = new List<FileEntry>();
        var skipped = new List<SkippedInput>();
        (int Width, int Height, FileEntry Entry)? first = null;
        foreach (var entry in candidates)
        {
            var size = ImageFiles.Probe(entry.Real, out var problem);
            if (size is null)
            {
                if (!options.SkipInvalid) throw entry.Error($"{problem} (pass --skip-invalid to leave such files out)");
                skipped.Add(new SkippedInput(entry.Source, problem!));
                continue;
            }
            var (w, h) = size.Value;
            // From the header, before any pixel is decoded: a limit, not an invalid file, so --skip-invalid does not hide it.
            if (DataFiles.PixelProblem(w, h) is { } tooLarge) throw entry.Error(tooLarge + "; refused before decoding");
            first ??= (w, h, entry);
            if (options.Resize == ResizePolicy.None)
            {
                int expectW = options.Width ?? first.Value.Width, expectH = options.Height ?? first.Value.Height;
                if (w != expectW || h != expectH)
                {
                    var why = options.Width is null
                        ? $"is {w}x{h} but {first.Value.Entry.Path} is {expectW}x{expectH}: mixed image sizes"
                        : $"is {w}x{h} but the model expects {expectW}x{expectH}";
                    throw entry.Error($"{why}; choose a resize policy (e.g. --resize stretch)");
                }
            }
            kept.Add(entry);
        }
        if (kept.Count == 0)
            throw new InvalidInputException(name, skipped.Count == 0 ? "holds no images (empty dataset)" : $"holds no readable images ({skipped.Count} skipped as invalid)");
        var geometry = new ImageGeometry(3, options.Height ?? first!.Value.Height, options.Width ?? first!.Value.Width);
        return new FileListDataset(name, kept.ToArray(), geometry, classNames, options.Resize, skipped);
    }

    public override string Describe(int index) => _entries[index].Source;

    protected override (float[] Pixels, int Height, int Width) ReadImage(int index)
    {
        var entry = _entries[index];
        try
        {
            return ImageFiles.DecodeRgb(entry.Real);
        }
        catch (InvalidInputException e)
        {
            throw entry.Error(e.Problem);
        }
    }
}
