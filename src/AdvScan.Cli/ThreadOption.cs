using System.Globalization;
using TorchSharp;

namespace AdvScan.Cli;

/// <summary>
/// `--threads N`, accepted by every command: libtorch's intra-op thread count for the run, which the ONNX Runtime
/// sessions follow (<see cref="Scanning.RuntimeSessions"/>). Restored when the run ends, so in-process callers (the
/// tests, the MSBuild task) are left as they were.
/// </summary>
internal sealed class ThreadOption : IDisposable
{
    /// <summary>More threads than this is a typo, not a machine.</summary>
    private const int MaxThreads = 1024;

    private readonly int _previous;

    private ThreadOption(int previous) => _previous = previous;

    /// <summary>Removes `--threads N` from <paramref name="args"/> and applies it; null when the option is absent.</summary>
    public static ThreadOption? Apply(ref string[] args)
    {
        int at = Array.IndexOf(args, "--threads");
        if (at < 0) return null;
        if (at + 1 >= args.Length || !int.TryParse(args[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1 || count > MaxThreads)
            throw new InvalidInputException(null, $"option --threads needs a whole number from 1 to {MaxThreads}, got '{UntrustedText.Escape(at + 1 < args.Length ? args[at + 1] : "")}'");
        args = [.. args[..at], .. args[(at + 2)..]];
        var option = new ThreadOption(torch.get_num_threads());
        torch.set_num_threads(count);
        return option;
    }

    public void Dispose() => torch.set_num_threads(_previous);
}
