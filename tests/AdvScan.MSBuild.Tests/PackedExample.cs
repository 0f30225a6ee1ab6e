using System.Diagnostics;
using System.Text;

namespace AdvScan.MSBuild.Tests;

/// <summary>
/// One temporary workspace per test class: the AdvScan.MSBuild package packed from this checkout into a folder feed,
/// the fixtures the example scans, and copies of examples/mnist-gate laid out as in the repository
/// (<c>examples/&lt;copy&gt;/</c> beside <c>tests/fixtures/</c>), so the example's relative paths hold unchanged.
/// The package is packed from a private copy of the sources: `dotnet test` builds the solution's projects in parallel
/// with running tests, and a pack inside the checkout would write the same obj/ and bin/ files at the same time.
/// Example restores go to a private NuGet folder: the package version never changes between runs, and the machine's
/// NuGet cache must not keep a stale copy of it. The pack itself restores from the machine's cache like any build.
/// </summary>
public sealed class PackedExample : IDisposable
{
    private static readonly string[] FixtureFiles = ["mnist-cnn.onnx", "mnist-test-images-idx3-ubyte", "mnist-test-labels-idx1-ubyte"];
    private static readonly string[] SourceFolders = ["src", "msbuild", "build", "analyzers"];
    private static readonly string[] SourceFiles = ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "nuget.config", "README.md"];

    public string RepositoryRoot { get; }
    public string Root { get; }
    private string Feed => Path.Combine(Root, "feed");

    /// <summary>The packed AdvScan.MSBuild .nupkg.</summary>
    public string Package => Directory.GetFiles(Feed, "AdvScan.MSBuild.*.nupkg").Single();
    private string Packages => Path.Combine(Root, "packages");

    public PackedExample()
    {
        RepositoryRoot = FindRepositoryRoot();
        Root = Path.Combine(Path.GetTempPath(), "advscan-msbuild-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);

        var source = Path.Combine(Root, "source");
        foreach (var folder in SourceFolders) CopySources(Path.Combine(RepositoryRoot, folder), Path.Combine(source, folder));
        foreach (var file in SourceFiles)
            if (File.Exists(Path.Combine(RepositoryRoot, file))) File.Copy(Path.Combine(RepositoryRoot, file), Path.Combine(source, file));
        var pack = Dotnet(source, privatePackages: false, "pack", Path.Combine(source, "msbuild", "AdvScan.MSBuild", "AdvScan.MSBuild.csproj"),
            "-c", "Debug", "-o", Feed);
        if (pack.ExitCode != 0) throw new InvalidOperationException("packing AdvScan.MSBuild failed:\n" + pack.Output);

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
    }

    /// <summary>A fresh copy of examples/mnist-gate (sources and configs, no bin/obj) at examples/<paramref name="name"/>.</summary>
    public string CopyExample(string name)
    {
        var source = Path.Combine(RepositoryRoot, "examples", "mnist-gate");
        var target = Path.Combine(Root, "examples", name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            // The example's own nuget.config points at the repository's artifacts feed; the workspace's replaces it.
            if (Path.GetFileName(file) == "nuget.config") continue;
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        return target;
    }

    /// <summary>`dotnet build` of a copy, classic console output (parseable), no lingering build nodes.</summary>
    public BuildResult Build(string project, params string[] arguments) =>
        Dotnet(project, privatePackages: true, ["build", "-tl:off", .. arguments]);

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

    private BuildResult Dotnet(string workingDirectory, bool privatePackages, params string[] arguments)
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
        if (privatePackages) start.Environment["NUGET_PACKAGES"] = Packages;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish in 8 minutes:\n{output}");
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

public sealed record BuildResult(int ExitCode, string Output)
{
    public override string ToString() => $"exit code {ExitCode}\n{Output}";
}
