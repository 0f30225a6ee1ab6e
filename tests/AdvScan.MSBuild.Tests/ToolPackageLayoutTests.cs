using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace AdvScan.MSBuild.Tests;

/// <summary>
/// The `advscan` tool packed for linux-x64, win-x64 and osx-arm64 (<c>-p:AdvScanAllRuntimes=true</c>): a pointer
/// package plus one package per RID that carries the managed CLI and that RID's natives only. Only linux-x64 can run
/// here (the MSBuild build tests run it); the win-x64 and osx-arm64 layouts are shown by opening the packed packages.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PackedCollection.Name)]
public sealed class ToolPackageLayoutTests(PackedExample workspace, ITestOutputHelper output)
{
    private const long NuGetOrgLimit = 250L * 1024 * 1024;

    /// <summary>What a scan loads natively: libtorch (CPU library, its stub and c10), TorchSharp's binding, ONNX Runtime.</summary>
    private static readonly Dictionary<string, string[]> Natives = new()
    {
        ["linux-x64"] = ["libtorch_cpu.so", "libtorch.so", "libc10.so", "libLibTorchSharp.so", "libonnxruntime.so"],
        ["win-x64"] = ["torch_cpu.dll", "torch.dll", "c10.dll", "LibTorchSharp.dll", "onnxruntime.dll"],
        ["osx-arm64"] = ["libtorch_cpu.dylib", "libtorch.dylib", "libc10.dylib", "libLibTorchSharp.dylib", "libonnxruntime.dylib"],
    };

    /// <summary>The CLI itself and the managed halves of TorchSharp and ONNX Runtime, the same for every RID.</summary>
    private static readonly string[] Managed =
        ["advscan.dll", "advscan.deps.json", "advscan.runtimeconfig.json", "AdvScan.Scanning.dll", "AdvScan.Onnx.dll", "TorchSharp.dll", "Microsoft.ML.OnnxRuntime.dll", "DotnetToolSettings.xml"];

    [Theory]
    [InlineData("linux-x64")]
    [InlineData("win-x64")]
    [InlineData("osx-arm64")]
    public void Each_RID_package_carries_the_managed_CLI_and_that_RIDs_libtorch_LibTorchSharp_and_ONNX_Runtime_and_nothing_of_the_other_RIDs(string rid)
    {
        using var package = ZipFile.OpenRead(workspace.ToolPackage(rid));
        var folder = $"tools/net10.0/{rid}/";
        var payload = package.Entries.Select(e => e.FullName).Where(e => e.StartsWith("tools/", StringComparison.Ordinal)).ToArray();
        // One flat folder: a RID-specific publish puts the natives beside the CLI, no runtimes/<rid>/native tree.
        Assert.All(payload, e => Assert.True(e.StartsWith(folder, StringComparison.Ordinal) && !e[folder.Length..].Contains('/'), e));
        var files = payload.Select(e => e[folder.Length..]).ToHashSet(StringComparer.Ordinal);

        foreach (var name in Managed.Concat(Natives[rid])) Assert.True(files.Contains(name), $"{rid} lacks {name}");
        foreach (var (other, natives) in Natives.Where(kv => kv.Key != rid))
            foreach (var name in natives.Where(n => !Natives[rid].Contains(n)))
                Assert.False(files.Contains(name), $"{rid} carries {other}'s {name}");

        // Native libraries of another OS, whatever their name: no .so outside linux, no .dylib outside macOS, and a .dll
        // is either a managed assembly or, on Windows only, a native the deps file lists. (ONNX Runtime's props copy
        // its Windows onnxruntime.dll into every output; import libraries (.lib) are for C++ linkers.)
        var deps = DepsAssets(package, folder + "advscan.deps.json", rid);
        Assert.DoesNotContain(files, f => f.EndsWith(".lib", StringComparison.OrdinalIgnoreCase));
        if (rid != "linux-x64") Assert.DoesNotContain(files, f => f.EndsWith(".so", StringComparison.Ordinal) || f.Contains(".so.", StringComparison.Ordinal));
        if (rid != "osx-arm64") Assert.DoesNotContain(files, f => f.EndsWith(".dylib", StringComparison.Ordinal));
        foreach (var dll in files.Where(f => f.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)))
            Assert.True(deps.Runtime.Contains(dll) || (rid.StartsWith("win", StringComparison.Ordinal) && deps.Native.Contains(dll)),
                $"{rid} carries {dll}, which is neither one of its managed assemblies nor one of its natives");
        foreach (var native in Natives[rid]) Assert.Contains(native, deps.Native);

        var size = new FileInfo(workspace.ToolPackage(rid)).Length;
        output.WriteLine($"{Path.GetFileName(workspace.ToolPackage(rid))}: {size / 1e6:F1} MB compressed, {package.Entries.Sum(e => e.Length) / 1e6:F1} MB unpacked, {files.Count} files");
        Assert.InRange(size, 1, NuGetOrgLimit);
    }

    [Fact]
    public void The_AdvScan_Cli_package_is_a_small_pointer_that_names_one_package_per_RID_and_carries_no_CLI()
    {
        using var package = ZipFile.OpenRead(workspace.ToolPackage());
        var settings = package.GetEntry("tools/any/any/DotnetToolSettings.xml");
        Assert.NotNull(settings);
        using var stream = settings.Open();
        var xml = XDocument.Load(stream);
        var ridPackages = xml.Descendants("RuntimeIdentifierPackage")
            .ToDictionary(e => (string)e.Attribute("RuntimeIdentifier")!, e => (string)e.Attribute("Id")!);
        Assert.Equal(PackedExample.ToolRuntimes.Order(StringComparer.Ordinal), ridPackages.Keys.Order(StringComparer.Ordinal));
        Assert.All(ridPackages, kv => Assert.Equal("AdvScan.Cli." + kv.Key, kv.Value));
        Assert.Equal("advscan", (string?)xml.Descendants("Command").Single().Attribute("Name"));
        Assert.DoesNotContain(package.Entries, e => e.FullName.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));
        Assert.InRange(new FileInfo(workspace.ToolPackage()).Length, 1, 64 * 1024);
    }

    [Fact]
    public void Every_package_in_the_feed_is_under_nuget_orgs_250_MB_limit()
    {
        var packages = Directory.GetFiles(workspace.Feed, "*.nupkg").Order(StringComparer.Ordinal).ToArray();
        // AdvScan.MSBuild, the AdvScan.Cli pointer and the three RID packages.
        Assert.Equal(2 + PackedExample.ToolRuntimes.Length, packages.Length);
        output.WriteLine($"packing took {workspace.PackSeconds:F0} s");
        foreach (var p in packages)
        {
            var size = new FileInfo(p).Length;
            output.WriteLine($"{Path.GetFileName(p)}: {(size < 1_000_000 ? $"{size / 1e3:F1} KB" : $"{size / 1e6:F1} MB")}");
            Assert.True(size < NuGetOrgLimit, $"{Path.GetFileName(p)} is {size / 1e6:F1} MB");
        }
    }

    [Fact]
    public void The_linux_x64_package_carries_LibTorchSharp_with_its_GLIBCXX_3_4_32_need_made_weak()
    {
        // Installed on Debian 12 / Ubuntu 22.04 hosts too, whose libstdc++ lacks that version (build/WeakenElfVersionNeed.cs);
        // a tool pack patches it even on a host whose libstdc++ has the version (not shown here: this host lacks it).
        using var package = ZipFile.OpenRead(workspace.ToolPackage("linux-x64"));
        var packed = Bytes(package, "tools/net10.0/linux-x64/libLibTorchSharp.so");
        using var deps = JsonDocument.Parse(Bytes(package, "tools/net10.0/linux-x64/advscan.deps.json"));
        var torchSharp = deps.RootElement.GetProperty("libraries").EnumerateObject().Single(l => l.Name.StartsWith("TorchSharp/", StringComparison.Ordinal)).Name;
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var original = File.ReadAllBytes(Path.Combine(cache, "torchsharp", torchSharp["TorchSharp/".Length..], "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));

        Assert.Equal(original.Length, packed.Length);
        // One byte differs: the low byte of that Elf64_Vernaux's vna_flags, with VER_FLG_WEAK (0x2) set.
        var changed = Assert.Single(Enumerable.Range(0, packed.Length).Where(i => packed[i] != original[i]));
        Assert.Equal(original[changed] | 0x2, packed[changed]);
    }

    private static byte[] Bytes(ZipArchive package, string entry)
    {
        using var stream = package.GetEntry(entry)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The file names the deps file lists as managed (runtime) and native assets for the RID.</summary>
    private static (HashSet<string> Runtime, HashSet<string> Native) DepsAssets(ZipArchive package, string entry, string rid)
    {
        using var stream = package.GetEntry(entry)!.Open();
        using var json = JsonDocument.Parse(stream);
        var runtime = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var native = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var target = json.RootElement.GetProperty("targets").GetProperty($".NETCoreApp,Version=v10.0/{rid}");
        foreach (var library in target.EnumerateObject())
        {
            if (library.Value.TryGetProperty("runtime", out var r)) foreach (var a in r.EnumerateObject()) runtime.Add(Path.GetFileName(a.Name));
            if (library.Value.TryGetProperty("native", out var n)) foreach (var a in n.EnumerateObject()) native.Add(Path.GetFileName(a.Name));
        }
        return (runtime, native);
    }
}
