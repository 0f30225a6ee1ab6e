namespace AdvScan.Data;

/// <summary>A folder with one subfolder per class, each holding that class's images.</summary>
internal static class ImageFolderReader
{
    public static IImageDataset Open(string folder, DatasetOptions options)
    {
        var classFolders = Directory.GetDirectories(folder)
            .Where(d => !IsHidden(d))
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal)
            .ToList();
        if (classFolders.Count == 0)
            throw new InvalidInputException(folder, "has no class subfolders (expected one subfolder of images per class); empty dataset");
        IReadOnlyList<string> classes = options.ClassNames ?? classFolders.Select(d => Path.GetFileName(d)).ToList();
        var entries = new List<FileEntry>();
        foreach (var dir in classFolders)
        {
            var name = Path.GetFileName(dir);
            int label = IndexOf(classes, name);
            if (label < 0)
                throw new InvalidInputException(dir, $"is not one of the declared classes ({string.Join(", ", classes)})");
            foreach (var file in Directory.GetFiles(dir).Where(f => !IsHidden(f)).OrderBy(f => f, StringComparer.Ordinal))
                entries.Add(new FileEntry(file, label, dir));
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
