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
        if (Directory.Exists(path)) return ImageFolderReader.Open(path, options);
        if (!File.Exists(path)) throw new InvalidInputException(path, "does not exist");
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
        if (candidate == name || !File.Exists(path))
            throw new InvalidInputException(imagesPath, $"has no labels file beside it (looked for {candidate}); name it with --labels");
        return path;
    }

    private static IImageDataset OpenNpz(string path, DatasetOptions options)
    {
        // Entries are extracted to a private temporary folder so that examples can be read by offset, whether the
        // archive was written with np.savez or np.savez_compressed, without holding the arrays in memory.
        var temp = new TemporaryFolder();
        try
        {
            string imagesFile, labelsFile;
            try
            {
                using var zip = ZipFile.OpenRead(path);
                imagesFile = Extract(zip, path, options.ImagesKey, System.IO.Path.Combine(temp.Path, "images.npy"));
                labelsFile = Extract(zip, path, options.LabelsKey, System.IO.Path.Combine(temp.Path, "labels.npy"));
            }
            catch (InvalidDataException e)
            {
                throw new InvalidInputException(path, $"is not a valid .npz (zip) archive: {e.Message}", inner: e);
            }
            int[] labels;
            var labelsName = $"{path}:{options.LabelsKey}";
            using (var y = NpyArray.Open(labelsFile, labelsName)) labels = y.ReadLabels();
            var images = new NpyImages(NpyArray.Open(imagesFile, $"{path}:{options.ImagesKey}"));
            return ArrayDataset.Create(images, labels, labelsName, options, temp);
        }
        catch
        {
            temp.Dispose();
            throw;
        }
    }

    private static string Extract(ZipArchive zip, string archive, string key, string target)
    {
        var entry = zip.GetEntry(key + ".npy") ?? zip.GetEntry(key)
            ?? throw new InvalidInputException(archive, $"has no array named '{key}' (it holds: {string.Join(", ", zip.Entries.Select(e => Path.GetFileNameWithoutExtension(e.FullName)))})");
        entry.ExtractToFile(target, overwrite: true);
        return target;
    }

    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("advscan-npz-").FullName;

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); }
            catch (IOException) { /* a leftover temp folder is harmless; failing the scan over it is not */ }
        }
    }
}
