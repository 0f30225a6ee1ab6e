namespace AdvScan.Cli;

/// <summary>Files the CLI writes: a path that cannot be written is bad input (one line, exit 2), not a crash.</summary>
internal static class OutputFiles
{
    public static void Write(string path, string content) => Guard(path, () => { CreateParent(path); File.WriteAllText(path, content); });

    public static void Write(string path, byte[] content) => Guard(path, () => { CreateParent(path); File.WriteAllBytes(path, content); });

    /// <summary>
    /// Checks, before any long work, that <paramref name="path"/> can be written (creating its folder), so an attack,
    /// scan or training run is not thrown away at the end for a typo in an output path. An existing file is left as is.
    /// </summary>
    public static void Prepare(string? path)
    {
        if (path is null) return;
        Guard(path, () =>
        {
            if (Directory.Exists(path)) throw new IOException("it is a folder");
            CreateParent(path);
            bool existed = File.Exists(path);
            using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write)) { }
            if (!existed) File.Delete(path);
        });
    }

    private static void CreateParent(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
    }

    public static void CreateDirectory(string path) => Guard(path, () => Directory.CreateDirectory(path));

    private static void Guard(string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"cannot be written: {e.Message}", inner: e);
        }
    }
}
