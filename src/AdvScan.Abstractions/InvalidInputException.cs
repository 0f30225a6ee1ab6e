namespace AdvScan;

/// <summary>
/// Something the user handed AdvScan (a model, a dataset, a config, a command-line value) is unusable. The message is
/// one line that names the file (and, where known, the line, row or node) and what is wrong with it. Front ends map it
/// to exit code 2 (CLI) or a located error (MSBuild); it is never shown as a stack trace.
/// </summary>
public class InvalidInputException : Exception
{
    public InvalidInputException(string? file, string problem, int? line = null, Exception? inner = null)
        : base(Format(file, problem, line), inner)
    {
        File = file;
        Problem = problem;
        Line = line;
    }

    /// <summary>The offending file, or null when the input was not a file (a command-line value, say).</summary>
    public string? File { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>1-based line in <see cref="File"/>, when the problem has one.</summary>
    public int? Line { get; }

    private static string Format(string? file, string problem, int? line) =>
        file is null ? problem : line is null ? $"{file}: {problem}" : $"{file}({line}): {problem}";
}
