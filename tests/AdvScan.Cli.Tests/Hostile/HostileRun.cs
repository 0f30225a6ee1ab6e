using System.Diagnostics;

namespace AdvScan.Cli.Tests.Hostile;

/// <summary>What one run of the real <c>advscan</c> process on a hostile input did.</summary>
public sealed record HostileOutcome(int Exit, string Out, string Err, TimeSpan Elapsed, long PeakRssBytes, bool Killed)
{
    public string All => Out + Err;

    /// <summary>Non-empty stderr lines: bad input must be answered with exactly one.</summary>
    public IReadOnlyList<string> ErrorLines => Err.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
}

/// <summary>
/// Runs the real <c>advscan</c> (the CLI build copied beside the tests) as a child process on a hostile input, the
/// way CI would: with a wall-clock bound and a resident-memory ceiling it polls, killing the process past either, so
/// a hang or an exhausting allocation fails the test instead of the machine. A secret file planted by the test lets it
/// check that no output, and no file written, carries the secret.
/// </summary>
public sealed class HostileRun : IDisposable
{
    /// <summary>A value no legitimate output contains; tests plant it in a file just outside the input's root.</summary>
    public const string Secret = "ADVSCAN-HOSTILE-SECRET-7f3a9c";

    public HostileRun() => Folder = Directory.CreateTempSubdirectory("advscan-hostile-").FullName;

    /// <summary>A fresh folder the test builds its hostile input in (deleted afterwards).</summary>
    public string Folder { get; }

    /// <summary>Writes <see cref="Secret"/> to a file beside <see cref="Folder"/>'s inputs (in its own subfolder "outside") and returns its path.</summary>
    public string PlantSecret(string name = "secret.txt")
    {
        var outside = Directory.CreateDirectory(Path.Combine(Folder, "outside")).FullName;
        var path = Path.Combine(outside, name);
        File.WriteAllText(path, Secret + "\n");
        return path;
    }

    /// <summary>A subfolder that is the input's root (the model's folder, the data root, the config's folder).</summary>
    public string Root => Directory.CreateDirectory(Path.Combine(Folder, "root")).FullName;

    /// <param name="environment">Variables set for the child (a GC heap limit that makes a real allocation fail, say).</param>
    public static HostileOutcome Advscan(IEnumerable<string> args, TimeSpan? timeout = null, long maxRssBytes = 3L << 30, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "advscan.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        bool killed = false;
        while (!process.WaitForExit(50))
        {
            try
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
            }
            catch (InvalidOperationException) { break; }
            if (clock.Elapsed > limit || peak > maxRssBytes)
            {
                killed = true;
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                break;
            }
        }
        process.WaitForExit();
        return new HostileOutcome(process.ExitCode, stdout.Result, stderr.Result, clock.Elapsed, peak, killed);
    }

    /// <summary>Every file under <see cref="Folder"/> with its bytes, to compare before and after a run (nothing written where it was not asked).</summary>
    public IReadOnlyDictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(Folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => TrustBoundary.KindOf(f) == FileKind.Regular)
            .ToDictionary(f => Path.GetRelativePath(Folder, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>The usual verdict on bad input: exit 2, one stderr line, no secret anywhere, not killed.</summary>
    public static void AssertRefused(HostileOutcome outcome, string? mentions = null)
    {
        Assert.False(outcome.Killed, $"killed after {outcome.Elapsed.TotalSeconds:0.0} s at {outcome.PeakRssBytes >> 20} MB: {outcome.All}");
        Assert.True(outcome.Exit == 2, $"exit {outcome.Exit}: {outcome.All}");
        Assert.True(outcome.ErrorLines.Count == 1, $"expected one error line: {outcome.Err}");
        Assert.DoesNotContain(Secret, outcome.All);
        Assert.DoesNotContain("   at ", outcome.All);
        if (mentions is not null) Assert.Contains(mentions, outcome.Err);
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
