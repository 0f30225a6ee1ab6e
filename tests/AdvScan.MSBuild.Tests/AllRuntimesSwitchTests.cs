using System.Diagnostics;
using System.Text.Json;

namespace AdvScan.MSBuild.Tests;

/// <summary>
/// The repository references every RID's libtorch only when asked to pack the tool for all of them: a fresh clone's
/// build and tests must not download ~550 MB of Windows and macOS natives. Evaluated with `dotnet msbuild -getItem`
/// (no restore, no build), so this costs seconds.
/// </summary>
public sealed class AllRuntimesSwitchTests
{
    [Fact]
    public void A_normal_build_of_the_CLI_references_only_the_hosts_libtorch_and_packs_only_the_hosts_RID()
    {
        var (libtorch, rids) = Evaluate();

        var host = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        Assert.Equal(new[] { "libtorch-cpu-" + host }, libtorch);
        Assert.Equal(host, rids);
    }

    [Fact]
    public void AdvScanAllRuntimes_true_references_the_libtorch_of_linux_x64_win_x64_and_osx_arm64_and_packs_all_three()
    {
        var (libtorch, rids) = Evaluate("-p:AdvScanAllRuntimes=true");

        Assert.Equal(new[] { "libtorch-cpu-linux-x64", "libtorch-cpu-osx-arm64", "libtorch-cpu-win-x64" }, libtorch);
        Assert.Equal("linux-x64;win-x64;osx-arm64", rids);
    }

    private static (string[] Libtorch, string Rids) Evaluate(params string[] properties)
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "msbuild", Path.Combine(root, "src", "AdvScan.Cli", "AdvScan.Cli.csproj"), "-getItem:PackageReference",
                     "-getProperty:ToolPackageRuntimeIdentifiers", "-nologo" }.Concat(properties))
            start.ArgumentList.Add(a);
        foreach (var variable in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly", "MSBUILDNOINPROCNODE" })
            start.Environment.Remove(variable);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "dotnet msbuild -getItem did not finish in 2 minutes");
        Assert.True(process.ExitCode == 0, stdout.Result + stderr.Result);

        using var json = JsonDocument.Parse(stdout.Result);
        var libtorch = json.RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray()
            .Select(i => i.GetProperty("Identity").GetString()!).Where(id => id.StartsWith("libtorch", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
        return (libtorch, json.RootElement.GetProperty("Properties").GetProperty("ToolPackageRuntimeIdentifiers").GetString()!);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AdvScan.sln"))) return dir.FullName;
        throw new InvalidOperationException("AdvScan.sln not found above " + AppContext.BaseDirectory);
    }
}
