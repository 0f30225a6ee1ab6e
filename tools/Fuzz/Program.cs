using SharpFuzz;

namespace AdvScan.Fuzz;

/// <summary>
/// <c>AdvScan.Fuzz seeds DIR</c> writes the seed corpus; <c>AdvScan.Fuzz TARGET</c> is what afl-fuzz runs (SharpFuzz's
/// out-of-process loop, input on stdin); <c>AdvScan.Fuzz replay TARGET FILE...</c> runs inputs once each and prints
/// what escaped (how a crash AFL found becomes a regression test). See README.md.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        switch (args)
        {
            case ["seeds", var folder]:
                Seeds.Write(folder);
                return 0;
            case ["replay", var name, .. var files] when Targets.All.TryGetValue(name, out var replayed):
                return Replay(replayed, files);
            case [var name] when Targets.All.TryGetValue(name, out var target):
                Fuzzer.OutOfProcess.Run(stream => Run(target, ReadAll(stream)));
                return 0;
            default:
                Console.Error.WriteLine($"usage: AdvScan.Fuzz seeds DIR | AdvScan.Fuzz TARGET | AdvScan.Fuzz replay TARGET FILE...; targets: {string.Join(", ", Targets.All.Keys)}");
                return 2;
        }
    }

    /// <summary>One iteration: bad input answered with <see cref="InvalidInputException"/> is the expected outcome.</summary>
    /// <returns>The refusal, or null when the input was read whole.</returns>
    private static string? Run(Action<byte[]> target, byte[] input)
    {
        using var limits = ResourceLimits.Use(Targets.Limits);
        try
        {
            target(input);
            return null;
        }
        catch (InvalidInputException e)
        {
            return e.Message;
        }
    }

    private static int Replay(Action<byte[]> target, IReadOnlyList<string> files)
    {
        int findings = 0;
        foreach (var file in files)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                var refusal = Run(target, File.ReadAllBytes(file));
                Console.WriteLine($"{file}: {(refusal is null ? "read" : "refused: " + UntrustedText.Escape(refusal))} ({clock.ElapsedMilliseconds} ms)");
            }
            catch (Exception e)
            {
                findings++;
                Console.WriteLine($"{file}: {e.GetType().Name}: {e.Message.Split('\n')[0]} ({clock.ElapsedMilliseconds} ms)");
                Console.WriteLine(e.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("AdvScan.", StringComparison.Ordinal) && !l.Contains("AdvScan.Fuzz", StringComparison.Ordinal))?.Trim());
            }
        }
        return findings == 0 ? 0 : 1;
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
