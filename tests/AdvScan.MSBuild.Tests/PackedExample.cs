using System.Diagnostics;
using System.Text;

namespace AdvScan.MSBuild.Tests;

/// <summary>
/// One temporary workspace for the whole test run (shared by every class of the <see cref="PackedCollection"/>):
/// the AdvScan.MSBuild package and the `advscan` tool packed from this checkout into a folder feed (the tool for all
/// three RIDs, <c>-p:AdvScanAllRuntimes=true</c>, so the layout tests can open the win-x64 and osx-arm64 packages
/// this machine cannot run), the fixtures the example scans, and copies of examples/mnist-gate laid out as in the
/// repository (<c>examples/&lt;copy&gt;/</c> beside <c>tests/fixtures/</c>), so the example's relative paths and its
/// tool manifest hold unchanged. Packing once keeps the three RIDs' publish and compression to one cost per run.
/// The packages are packed from a private copy of the sources: `dotnet test` builds the solution's projects in parallel
/// with running tests, and a pack inside the checkout would write the same obj/ and bin/ files at the same time.
/// Example restores (packages and the manifest's tool) go to a private NuGet folder: the package version never
/// changes between runs, and the machine's NuGet cache must not keep a stale copy of it. The packs themselves restore
/// from the machine's cache like any build.
/// </summary>
public sealed class PackedExample : IDisposable
{
    private static readonly string[] FixtureFiles = ["mnist-cnn.onnx", "mnist-test-images-idx3-ubyte", "mnist-test-labels-idx1-ubyte"];
    private static readonly string[] SourceFolders = ["src", "msbuild", "build", "analyzers"];
    private static readonly string[] SourceFiles = ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "nuget.config", "README.md"];

    /// <summary>The RIDs the tool is packed for, each an AdvScan.Cli.&lt;rid&gt; package.</summary>
    public static readonly string[] ToolRuntimes = ["linux-x64", "win-x64", "osx-arm64"];

    public string RepositoryRoot { get; }
    public string Root { get; }
    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The packed AdvScan.MSBuild .nupkg.</summary>
    public string Package => Directory.GetFiles(Feed, "AdvScan.MSBuild.*.nupkg").Single();

    /// <summary>The tool's pointer package (no RID), or the one for <paramref name="rid"/>.</summary>
    public string ToolPackage(string? rid = null) =>
        Directory.GetFiles(Feed, rid == null ? "AdvScan.Cli.*.nupkg" : $"AdvScan.Cli.{rid}.*.nupkg")
            .Single(f => rid != null || !ToolRuntimes.Any(r => Path.GetFileName(f).StartsWith($"AdvScan.Cli.{r}.", StringComparison.Ordinal)));

    /// <summary>The NuGet packages folder of the example builds (and of the tool restores they run).</summary>
    public string Packages => Path.Combine(Root, "packages");

    /// <summary>Seconds the two packs took (the tool's three RIDs dominate), for the test log.</summary>
    public double PackSeconds { get; }

    public PackedExample()
    {
        RepositoryRoot = FindRepositoryRoot();
        Root = Path.Combine(Path.GetTempPath(), "advscan-msbuild-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
        // xUnit disposes only a fixture it finished building: a failed pack (a full disk, a broken build) left ~2 GB
        // of sources and three RIDs' outputs in the temp folder on every run that failed.
        try { PackSeconds = Prepare(); }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Packs the sources into <see cref="Feed"/> and lays out fixtures and examples; returns the packs' seconds.</summary>
    private double Prepare()
    {
        var source = Path.Combine(Root, "source");
        foreach (var folder in SourceFolders) CopySources(Path.Combine(RepositoryRoot, folder), Path.Combine(source, folder));
        foreach (var file in SourceFiles)
            if (File.Exists(Path.Combine(RepositoryRoot, file))) File.Copy(Path.Combine(RepositoryRoot, file), Path.Combine(source, file));
        var clock = Stopwatch.StartNew();
        var pack = Dotnet(source, privatePackages: false, "pack", Path.Combine(source, "msbuild", "AdvScan.MSBuild", "AdvScan.MSBuild.csproj"),
            "-c", "Debug", "-o", Feed);
        if (pack.ExitCode != 0) throw new InvalidOperationException("packing AdvScan.MSBuild failed:\n" + pack.Output);
        var tool = Dotnet(source, privatePackages: false, "pack", Path.Combine(source, "src", "AdvScan.Cli", "AdvScan.Cli.csproj"),
            "-c", "Debug", "-p:AdvScanAllRuntimes=true", "-o", Feed);
        if (tool.ExitCode != 0) throw new InvalidOperationException("packing the advscan tool failed:\n" + tool.Output);
        double seconds = clock.Elapsed.TotalSeconds;
        // The sources' build outputs (three RIDs' publish folders, ~2 GB) are not needed once the packages exist.
        Directory.Delete(source, recursive: true);

        var fixtures = Path.Combine(Root, "tests", "fixtures");
        Directory.CreateDirectory(fixtures);
        foreach (var file in FixtureFiles)
            File.Copy(Path.Combine(RepositoryRoot, "tests", "fixtures", file), Path.Combine(fixtures, file));

        var examples = Path.Combine(Root, "examples");
        Directory.CreateDirectory(examples);
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot, "examples")))
            File.Copy(file, Path.Combine(examples, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(examples, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="advscan-test-feed" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        return seconds;
    }

    /// <summary>
    /// A fresh copy of examples/mnist-gate (sources, configs and its .config/dotnet-tools.json, no bin/obj) at
    /// examples/<paramref name="name"/>.
    /// </summary>
    public string CopyExample(string name)
    {
        var source = Path.Combine(RepositoryRoot, "examples", "mnist-gate");
        var target = Path.Combine(Root, "examples", name);
        Directory.CreateDirectory(Path.Combine(target, ".config"));
        foreach (var file in Directory.GetFiles(source))
        {
            // The example's own nuget.config points at the repository's artifacts feed; the workspace's replaces it.
            if (Path.GetFileName(file) == "nuget.config") continue;
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        foreach (var file in Directory.GetFiles(Path.Combine(source, ".config")))
            File.Copy(file, Path.Combine(target, ".config", Path.GetFileName(file)));
        return target;
    }

    /// <summary>
    /// `dotnet build` of a copy, classic console output (parseable), no lingering build nodes, restoring into the
    /// shared private packages folder or, as on a machine that never restored anything, into <paramref name="packages"/>.
    /// </summary>
    public BuildResult Build(string project, params string[] arguments) => BuildWith(Packages, project, arguments);

    public BuildResult BuildWith(string packages, string project, params string[] arguments) =>
        Dotnet(project, packages, ["build", "-tl:off", .. arguments]);

    /// <summary>Sources only: build outputs of the checkout would make the copy's incremental build trust stale files.</summary>
    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from))
        {
            var name = Path.GetFileName(dir);
            if (name is "bin" or "obj") continue;
            CopySources(dir, Path.Combine(to, name));
        }
    }

    private BuildResult Dotnet(string workingDirectory, bool privatePackages, params string[] arguments) =>
        Dotnet(workingDirectory, privatePackages ? Packages : null, arguments);

    private BuildResult Dotnet(string workingDirectory, string? packages, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        // No MSBuild node or compiler server outlives the test.
        foreach (var a in new[] { "-nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false" }) start.ArgumentList.Add(a);
        // The test host may run under `dotnet test`, whose MSBuild settings must not steer these independent builds.
        foreach (var variable in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly", "MSBUILDNOINPROCNODE" })
            start.Environment.Remove(variable);
        if (packages != null)
        {
            start.Environment["NUGET_PACKAGES"] = packages;
            // `dotnet tool restore` records per user where it put a tool (~/.dotnet/toolResolverCache) and restores
            // nothing while that file exists: a private home per packages folder keeps each build's restore its own.
            start.Environment["DOTNET_CLI_HOME"] = packages + "-home";
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Packing the tool for three RIDs on a cold NuGet cache downloads ~0.9 GB first.
        if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish in 15 minutes:\n{output}");
        }
        process.WaitForExit();
        return new BuildResult(process.ExitCode, output.ToString());
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AdvScan.sln"))) return dir.FullName;
        throw new InvalidOperationException("AdvScan.sln not found above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The test classes that share one <see cref="PackedExample"/> (one pack per test run); they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PackedCollection : ICollectionFixture<PackedExample>
{
    public const string Name = "packed AdvScan packages";
}

public sealed record BuildResult(int ExitCode, string Output)
{
    public override string ToString() => $"exit code {ExitCode}\n{Output}";
}
