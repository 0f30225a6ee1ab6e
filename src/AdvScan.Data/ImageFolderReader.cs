namespace AdvScan.Data;

/// <summary>
/// A folder with one subfolder per class, each holding that class's images. Class folders and the entries in them are
/// resolved with their links followed and must stay inside the data root (the folder itself unless
/// <see cref="DatasetOptions.Root"/> widens it), checked before anything is listed or opened: a symlinked class
/// folder or image cannot read out of the dataset.
/// </summary>
internal static class ImageFolderReader
{
    public static IImageDataset Open(string folder, DatasetOptions options)
    {
        try
        {
            return Read(folder, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder that cannot be listed (permissions, removed while listing) is bad input, not a crash.
            throw new InvalidInputException(folder, $"cannot be listed: {UntrustedText.Escape(e.Message)}", inner: e);
        }
    }

    private static IImageDataset Read(string folder, DatasetOptions options)
    {
        var limits = ResourceLimits.Current;
        var root = DataFiles.Root(options.Root, folder);
        var classFolders = new List<string>();
        foreach (var d in Directory.EnumerateDirectories(folder).Where(d => !IsHidden(d)))
        {
            classFolders.Add(d);
            ResourceLimits.Check(classFolders.Count, limits.MaxClasses, "maxClasses", "the number of class folders", folder);
        }
        classFolders.Sort((a, b) => StringComparer.Ordinal.Compare(Path.GetFileName(a), Path.GetFileName(b)));
        if (classFolders.Count == 0)
            throw new InvalidInputException(folder, "has no class subfolders (expected one subfolder of images per class); empty dataset");
        IReadOnlyList<string> classes = options.ClassNames ?? classFolders.Select(d => Path.GetFileName(d)).ToList();
        var entries = new List<FileEntry>();
        foreach (var dir in classFolders)
        {
            var name = Path.GetFileName(dir);
            var realDir = DataFiles.Inside(dir, root, $"class folder '{UntrustedText.Escape(name)}'", folder);
            int label = IndexOf(classes, name);
            if (label < 0)
                throw new InvalidInputException(dir, $"is not one of the declared classes ({UntrustedText.Escape(string.Join(", ", classes))})");
            var files = new List<string>();
            foreach (var file in Directory.EnumerateFiles(realDir).Where(f => !IsHidden(f)))
            {
                files.Add(Path.GetFileName(file));
                ResourceLimits.Check(entries.Count + files.Count, limits.MaxExamples, "maxExamples", "the number of images", folder);
            }
            files.Sort(StringComparer.Ordinal);
            foreach (var file in files)
            {
                var shown = Path.Combine(dir, file);
                var real = DataFiles.Inside(Path.Combine(realDir, file), root, $"entry '{UntrustedText.Escape(name + "/" + file)}'", folder);
                entries.Add(new FileEntry(shown, real, label, dir));
            }
        }
        return FileListDataset.Create(folder, entries, classes, options);
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
            if (string.Equals(list[i], value, StringComparison.Ordinal)) return i;
        return -1;
    }

    // Dotfiles are editor and OS droppings (.DS_Store, .gitkeep), not dataset members.
    private static bool IsHidden(string path) => Path.GetFileName(path).StartsWith('.');
}
