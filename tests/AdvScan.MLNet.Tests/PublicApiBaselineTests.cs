using System.Diagnostics;

namespace AdvScan.MLNet.Tests;

/// <summary>
/// The packages users reference (AdvScan.MLNet, and the library entry point AdvScan.Api) have a public-API baseline
/// that the build enforces: a real `dotnet build` of the project with one undeclared public type fails with RS0016,
/// and the same build without it passes (so the baseline lists the whole surface and nothing stale, RS0017).
/// </summary>
public sealed class PublicApiBaselineTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("advscan-public-api-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AdvScan.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no AdvScan.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Builds the project alone (its references as already built) into this test's folder, never the repository's obj/bin.</summary>
    private (int Exit, string Output) Build(string project, string? probe)
    {
        var name = Path.GetFileNameWithoutExtension(project) + (probe is null ? "-plain" : "-probe");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot(),
            ArgumentList = { "build", project, "--no-restore", "--no-dependencies", "-nologo", "-tl:off", "-v:q",
                $"-p:AdvScanPublicApiProbeProject={Path.Combine(RepositoryRoot(), project)}", $"-p:AdvScanPublicApiProbeOut={Path.Combine(folder, name)}/" },
        };
        if (probe is not null) start.ArgumentList.Add($"-p:AdvScanPublicApiProbe={probe}");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + errors);
    }

    [Theory]
    [InlineData("src/AdvScan.MLNet/AdvScan.MLNet.csproj", "AdvScan.MLNet")]
    [InlineData("src/AdvScan.Api/AdvScan.Api.csproj", "AdvScan")]
    public void A_public_member_missing_from_the_baseline_fails_the_build_and_the_baseline_matches_the_surface(string project, string ns)
    {
        var probe = Path.Combine(folder, "Probe.cs");
        File.WriteAllText(probe, $"namespace {ns};\n\n/// <summary>Not in the baseline.</summary>\npublic static class UndeclaredProbe\n{{\n    /// <summary>Nor this.</summary>\n    public static int Value => 1;\n}}\n");

        var plain = Build(project, null);
        Assert.True(plain.Exit == 0, plain.Output);

        var probed = Build(project, probe);
        Assert.NotEqual(0, probed.Exit);
        Assert.Contains("RS0016", probed.Output);
        Assert.Contains("UndeclaredProbe", probed.Output);
    }
}
