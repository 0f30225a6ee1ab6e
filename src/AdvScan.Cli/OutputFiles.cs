namespace AdvScan.Cli;

/// <summary>
/// Files the CLI writes, all through <see cref="TrustBoundary.WriteAtomic"/>: a temporary file created new in the
/// destination's folder and renamed into place, a destination that is a link (or a FIFO, a device, a folder) refused.
/// A path that cannot be written is bad input (one line, exit 2), not a crash.
/// </summary>
internal static class OutputFiles
{
    public static void Write(string path, string content) => TrustBoundary.WriteAllText(path, content);

    public static void Write(string path, byte[] content) => TrustBoundary.WriteAllBytes(path, content);

    /// <summary>
    /// Checks, before any long work, that <paramref name="path"/> can be written (creating its folder), so an attack,
    /// scan or training run is not thrown away at the end for a typo in an output path. Nothing is opened at the path
    /// itself: a link there is refused now (as the write would refuse it), and the folder is tried with a temporary
    /// file created new in it. An existing file is left as is.
    /// </summary>
    public static void Prepare(string? path)
    {
        if (path is null) return;
        if (path.Contains('\0')) throw new InvalidInputException(null, "an output path contains a NUL character");
        var full = Path.GetFullPath(path);
        var kind = TrustBoundary.KindOf(full);
        if (kind is not (FileKind.Missing or FileKind.Regular))
            throw new InvalidInputException(path, $"cannot be written: it is a {TrustBoundary.Describe(kind)}; AdvScan only replaces regular files");
        var folder = Path.GetDirectoryName(full) ?? ".";
        var probe = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        Guard(path, () =>
        {
            Directory.CreateDirectory(folder);
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None)) { }
            File.Delete(probe);
        });
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
            throw new InvalidInputException(path, $"cannot be written: {UntrustedText.Escape(e.Message)}", inner: e);
        }
    }
}
