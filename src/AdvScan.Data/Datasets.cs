using System.IO.Compression;

namespace AdvScan.Data;

/// <summary>Opens a dataset by what the path is: a folder, a .csv manifest, an .npz, an .npy image array, or IDX images.</summary>
public static class Datasets
{
    /// <summary>
    /// Opens <paramref name="path"/>: a folder (one subfolder per class), a <c>.csv</c> manifest (<c>path,label</c>),
    /// an <c>.npz</c> (arrays named by <see cref="DatasetOptions.ImagesKey"/>/<see cref="DatasetOptions.LabelsKey"/>), an
    /// <c>.npy</c> image array (labels in <see cref="DatasetOptions.LabelsPath"/>), or an IDX image file (labels in
    /// <see cref="DatasetOptions.LabelsPath"/>, or beside it by MNIST's naming: images→labels, idx3→idx1).
    /// </summary>
    public static IImageDataset Open(string path, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        if (options.Height is < 1 || options.Width is < 1) throw new ArgumentOutOfRangeException(nameof(options), "target size must be positive");
        if (path.Contains('\0')) throw new InvalidInputException(null, "the data path contains a NUL character");
        // By kind, with links followed, before anything is opened: a FIFO or a device named as data is refused, not read.
        var real = TrustBoundary.RealPath(path);
        if (TrustBoundary.KindOf(real) == FileKind.Directory) return ImageFolderReader.Open(path, options);
        if (DataFiles.KindProblem(real) is { } problem) throw new InvalidInputException(path, problem);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".csv" => CsvManifestReader.Open(path, options),
            ".npz" => OpenNpz(path, options),
            ".npy" => OpenNpy(path, options),
            _ when IsIdxName(path) => OpenIdx(path, options),
            _ => throw new InvalidInputException(path, "is not a dataset AdvScan reads (a folder, .csv, .npz, .npy, or IDX images such as t10k-images-idx3-ubyte)"),
        };
    }

    private static bool IsIdxName(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        return name.Contains("idx3") || name.EndsWith(".idx", StringComparison.Ordinal);
    }

    private static IImageDataset OpenNpy(string path, DatasetOptions options)
    {
        if (options.LabelsPath is null)
            throw new InvalidInputException(path, "is an image array; name its labels .npy too (--labels y.npy)");
        int[] labels;
        using (var y = NpyArray.Open(options.LabelsPath, options.LabelsPath)) labels = y.ReadLabels();
        var images = new NpyImages(NpyArray.Open(path, path));
        return ArrayDataset.Create(images, labels, options.LabelsPath, options);
    }

    private static IImageDataset OpenIdx(string path, DatasetOptions options)
    {
        var labelsPath = options.LabelsPath ?? FindIdxLabels(path);
        int[] labels;
        using (var file = IdxFile.Open(labelsPath, 1, "labels"))
        {
            var bytes = new byte[file.Dims[0]];
            file.Read(0, bytes);
            labels = bytes.Select(b => (int)b).ToArray();
        }
        return ArrayDataset.Create(new IdxImages(IdxFile.Open(path, 3, "images")), labels, labelsPath, options);
    }

    /// <summary>MNIST names its pairs t10k-images-idx3-ubyte / t10k-labels-idx1-ubyte (or with a '.' before idx).</summary>
    internal static string FindIdxLabels(string imagesPath)
    {
        var dir = Path.GetDirectoryName(imagesPath) ?? "";
        var name = Path.GetFileName(imagesPath);
        var candidate = name.Replace("images", "labels", StringComparison.Ordinal).Replace("idx3", "idx1", StringComparison.Ordinal);
        var path = Path.Combine(dir, candidate);
        if (candidate == name || TrustBoundary.KindOf(TrustBoundary.RealPath(path)) == FileKind.Missing)
            throw new InvalidInputException(imagesPath, $"has no labels file beside it (looked for {candidate}); name it with --labels");
        return path;
    }

    /// <summary>
    /// Members are streamed from the archive (<see cref="ZipMemberSource"/>), never extracted: nothing is written to
    /// disk, so nothing is left behind when the process is killed, and a compressed member is refused before inflating
    /// when it declares more than <see cref="ResourceLimits.MaxInflatedBytes"/>.
    /// </summary>
    private static IImageDataset OpenNpz(string path, DatasetOptions options)
    {
        var file = TrustBoundary.OpenRead(path, what: "archive");
        var owned = new List<IDisposable> { file };
        try
        {
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: false);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidInputException(path, $"is not a valid .npz (zip) archive: {UntrustedText.Escape(e.Message)}", inner: e);
            }
            owned.Insert(0, zip);
            var gate = new object();
            int[] labels;
            var labelsName = $"{path}:{options.LabelsKey}";
            var imagesMember = Member(zip, path, options.ImagesKey, gate);
            owned.Add(imagesMember);
            using (var y = NpyArray.Open(Member(zip, path, options.LabelsKey, gate))) labels = y.ReadLabels();
            var images = new NpyImages(NpyArray.Open(imagesMember));
            return ArrayDataset.Create(images, labels, labelsName, options, [.. owned]);
        }
        catch
        {
            foreach (var d in owned) d.Dispose();
            throw;
        }
    }

    private static ZipMemberSource Member(ZipArchive zip, string archive, string key, object gate)
    {
        ZipArchiveEntry? entry;
        try
        {
            entry = zip.GetEntry(key + ".npy") ?? zip.GetEntry(key);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidInputException(archive, $"is not a valid .npz (zip) archive: {UntrustedText.Escape(e.Message)}", inner: e);
        }
        if (entry is null)
            throw new InvalidInputException(archive, $"has no array named '{UntrustedText.Escape(key)}' (it holds: {UntrustedText.Escape(string.Join(", ", zip.Entries.Select(e => Path.GetFileNameWithoutExtension(e.FullName))))})");
        return new ZipMemberSource(entry, gate, $"{archive}:{key}");
    }
}
