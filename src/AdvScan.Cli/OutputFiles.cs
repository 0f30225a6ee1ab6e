namespace AdvScan.Cli;

/// <summary>Files the CLI writes: a path that cannot be written is bad input (one line, exit 2), not a crash.</summary>
internal static class OutputFiles
{
    public static void Write(string path, string content) => Guard(path, () => File.WriteAllText(path, content));

    public static void Write(string path, byte[] content) => Guard(path, () => File.WriteAllBytes(path, content));

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
