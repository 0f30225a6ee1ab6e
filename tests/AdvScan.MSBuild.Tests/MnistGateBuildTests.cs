using System.Text.RegularExpressions;

namespace AdvScan.MSBuild.Tests;

/// <summary>
/// A project that references AdvScan.MSBuild and declares
/// <c>&lt;AdvScanModel Include="mnist-cnn.onnx" Config="..." /&gt;</c> is scanned after Build by the `advscan` tool its
/// tool manifest names (restored by the build when missing), and the build passes or fails with the gates. Each test
/// builds its own copy of examples/mnist-gate.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PackedCollection.Name)]
public sealed class MnistGateBuildTests(PackedExample workspace)
{
    private const string PassingConfig = "mnist-cnn.advscan.json";
    private const string StrictConfig = "mnist-cnn.strict.advscan.json";
    private const string ScanStarted = "AdvScan: scanning";

    [Fact]
    public void The_package_carries_the_task_the_targets_and_the_config_schema_but_no_CLI_or_native_library()
    {
        using var package = System.IO.Compression.ZipFile.OpenRead(workspace.Package);
        var entries = package.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("build/AdvScan.MSBuild.targets", entries);
        Assert.Contains("tasks/netstandard2.0/AdvScan.MSBuild.dll", entries);
        Assert.Contains("schema/advscan.schema.json", entries);
        // The CLI and its natives come per OS from the AdvScan.Cli.<rid> tool packages, so this one package serves all.
        Assert.DoesNotContain(entries, e => e.StartsWith("tools/", StringComparison.Ordinal) || e.StartsWith("runtimes/", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.EndsWith(".so", StringComparison.Ordinal) || e.EndsWith(".dylib", StringComparison.Ordinal) || e.Contains("torch", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_fresh_machine_gates_on_its_first_build_by_restoring_only_this_OSs_advscan_tool_package()
    {
        var project = workspace.CopyExample("fresh");
        var packages = Path.Combine(workspace.Root, "fresh-packages");

        var build = workspace.BuildWith(packages, project);

        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("AdvScan: restoring the AdvScan.Cli tool that " + Path.Combine(project, ".config", "dotnet-tools.json"), build.Output);
        Assert.Contains(ScanStarted, build.Output);
        Assert.Single(Directory.GetFiles(ScanFolder(project), "*.sarif"));
        // What this OS downloaded: the pointer package and its own RID's package, none of the other RIDs'.
        var host = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        var restored = Directory.GetDirectories(packages, "advscan.cli*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "advscan.cli", "advscan.cli." + host }, restored);
        Assert.Contains(host, PackedExample.ToolRuntimes);

        // Restored once: the next build (nothing changed) neither restores nor scans again.
        var again = workspace.BuildWith(packages, project);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("AdvScan: restoring", again.Output);
        Assert.DoesNotContain(ScanStarted, again.Output);
    }

    [Fact]
    public void Without_a_tool_manifest_naming_AdvScan_Cli_the_build_fails_with_one_ADV4001_error_saying_how_to_add_it()
    {
        var project = workspace.CopyExample("no-manifest");
        // A root manifest without the tool stops the lookup here, as an unrelated repository's manifest would.
        File.WriteAllText(Path.Combine(project, ".config", "dotnet-tools.json"), """{ "version": 1, "isRoot": true, "tools": {} }""");

        var build = workspace.Build(project, "-p:MnistGateStrict=true");

        Assert.True(build.ExitCode != 0, build.ToString());
        var errors = Regex.Matches(build.Output, @"^.*error ADV\d{4}:.*$", RegexOptions.Multiline).Select(m => m.Value).Distinct().ToArray();
        var error = Assert.Single(errors);
        Assert.Matches(new Regex(Regex.Escape(Path.Combine(project, "MnistGate.csproj")) + @"(\(\d+,\d+\))?\s*: error ADV4001: The AdvScan CLI was not found: no \.NET tool manifest"), error);
        Assert.Contains("dotnet tool install AdvScan.Cli", error);
        Assert.DoesNotContain(ScanStarted, build.Output);
    }

    [Fact]
    public void A_passing_config_builds_and_writes_sarif_under_obj_and_where_configured()
    {
        var project = workspace.CopyExample("passing");
        var sarifCopy = Path.Combine(project, "reports", "mnist.sarif");

        var build = workspace.Build(project, $"-p:AdvScanSarifPath={sarifCopy}");

        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains(ScanStarted, build.Output);
        Assert.DoesNotMatch(new Regex(@"error ADV\d{4}"), build.Output);
        var sarif = Assert.Single(Directory.GetFiles(ScanFolder(project), "*.sarif"));
        Assert.Contains("\"runs\"", File.ReadAllText(sarif));
        Assert.Equal(File.ReadAllText(sarif), File.ReadAllText(sarifCopy));
        // The verdict cache lives under obj/ too, so a rebuild after a config change re-attacks only what changed.
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(ScanFolder(project), "verdict-cache"), "*.verdicts"));
    }

    [Fact]
    public void A_failed_gate_fails_the_build_with_its_code_on_the_config_line_that_set_the_threshold_and_keeps_failing()
    {
        var project = workspace.CopyExample("strict");
        var gateLine = LineContaining(Path.Combine(project, StrictConfig), "\"min\": 0.7");

        var build = workspace.Build(project, "-p:MnistGateStrict=true");

        Assert.True(build.ExitCode != 0, build.ToString());
        Assert.Matches(new Regex(Regex.Escape(StrictConfig) + $@"\({gateLine},\d+\): error ADV1\d{{3}}: "), build.Output);
        // The passing scan of the same build still ran and reported nothing.
        Assert.Contains($"against {Path.Combine(project, PassingConfig)}", build.Output);
        Assert.DoesNotMatch(new Regex(Regex.Escape(PassingConfig) + @"\(\d+,\d+\): error"), build.Output);

        // A failed scan leaves no stamp: nothing changed, and the gate still fails the next build.
        var again = workspace.Build(project, "-p:MnistGateStrict=true");
        Assert.True(again.ExitCode != 0, again.ToString());
        Assert.Matches(new Regex(Regex.Escape(StrictConfig) + $@"\({gateLine},\d+\): error ADV1\d{{3}}: "), again.Output);
    }

    [Fact]
    public void An_unchanged_build_skips_the_scan_and_a_changed_config_or_device_scans_again()
    {
        var project = workspace.CopyExample("incremental");
        var first = workspace.Build(project);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains(ScanStarted, first.Output);
        var sarif = Assert.Single(Directory.GetFiles(ScanFolder(project), "*.sarif"));
        var sarifTime = File.GetLastWriteTimeUtc(sarif);

        var unchanged = workspace.Build(project, "-v:n");

        Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
        Assert.Contains("Skipping target \"AdvScanRun\" because all output files are up-to-date", unchanged.Output);
        // The scan ran before the compiler in the first build, so the SARIF the analyzers read is unchanged: no recompile.
        Assert.Contains("Skipping target \"CoreCompile\" because all output files are up-to-date", unchanged.Output);
        Assert.DoesNotContain(ScanStarted, unchanged.Output);
        Assert.Equal(sarifTime, File.GetLastWriteTimeUtc(sarif));

        // Same content, newer config: the inputs are newer than the stamp, so the scan runs again.
        File.SetLastWriteTimeUtc(Path.Combine(project, PassingConfig), DateTime.UtcNow.AddSeconds(5));
        var touched = workspace.Build(project);
        Assert.True(touched.ExitCode == 0, touched.ToString());
        Assert.Contains(ScanStarted, touched.Output);

        // The device is no file, so the scan's .inputs file records it: choosing one rescans, passing it to the CLI.
        var onCpu = workspace.Build(project, "-p:AdvScanDevice=cpu", "-v:n");
        Assert.True(onCpu.ExitCode == 0, onCpu.ToString());
        Assert.Contains(ScanStarted, onCpu.Output);
        Assert.Matches(new Regex(@"advscan\.dll""? scan .*--device cpu"), onCpu.Output);
    }

    [Fact]
    public void AdvScanEnabled_false_builds_without_scanning_even_with_a_failing_gate()
    {
        var project = workspace.CopyExample("disabled");

        var build = workspace.Build(project, "-p:MnistGateStrict=true", "-p:AdvScanEnabled=false");

        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.DoesNotContain(ScanStarted, build.Output);
        Assert.False(Directory.Exists(ScanFolder(project)));
    }

    [Fact]
    public void A_threshold_outside_0_1_fails_with_ADV2001_on_its_line()
    {
        var project = workspace.CopyExample("bad-threshold");
        var config = Path.Combine(project, PassingConfig);
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"min\": 0.9", "\"min\": 1.5"));
        var badLine = LineContaining(config, "\"min\": 1.5");

        var build = workspace.Build(project);

        Assert.True(build.ExitCode != 0, build.ToString());
        Assert.Matches(new Regex(Regex.Escape(PassingConfig) + $@"\({badLine},\d+\): error ADV2001: "), build.Output);
    }

    [Fact]
    public void A_missing_CLI_is_a_clear_ADV4001_error()
    {
        var project = workspace.CopyExample("no-cli");
        var missing = Path.Combine(workspace.Root, "nowhere", "advscan.dll");

        var build = workspace.Build(project, $"-p:AdvScanCliPath={missing}");

        Assert.True(build.ExitCode != 0, build.ToString());
        Assert.Contains("error ADV4001: The AdvScan CLI was not found at '" + missing + "'", build.Output);
    }

    [Fact]
    public void The_packed_analyzers_warn_at_an_ungated_load_and_show_this_builds_failed_gate_at_the_gated_load()
    {
        var project = workspace.CopyExample("analyzers");
        var csproj = Path.Combine(project, "MnistGate.csproj");
        // The real ONNX Runtime API, so the analyzers bind `new InferenceSession(...)` as they would in a user's code.
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("<ItemGroup>",
            "<ItemGroup>\n    <PackageReference Include=\"Microsoft.ML.OnnxRuntime.Managed\" Version=\"1.31.1\" />", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(project, "Loads.cs"), """
            using Microsoft.ML.OnnxRuntime;

            public static class Loads
            {
                public static InferenceSession Digits() => new InferenceSession("models/mnist-cnn.onnx");
                public static InferenceSession Fraud() => new InferenceSession("models/fraud.onnx");
            }
            """);

        var first = workspace.Build(project, "-p:MnistGateStrict=true");
        // With the scan off, an edited source file is compiled against the last scan's SARIF: the verdict stays in view.
        File.SetLastWriteTimeUtc(Path.Combine(project, "Loads.cs"), DateTime.UtcNow.AddSeconds(5));
        var second = workspace.Build(project, "-p:MnistGateStrict=true", "-p:AdvScanEnabled=false");

        Assert.True(first.ExitCode != 0, first.ToString());
        Assert.Matches(new Regex(@"Loads\.cs\(6,\d+\): warning ADV3001: 'models/fraud\.onnx' is loaded here but no AdvScanModel item gates it"), first.Output);
        Assert.DoesNotMatch(new Regex(@"warning ADV3001: 'models/mnist-cnn\.onnx'"), first.Output);
        // The scan runs before CoreCompile, so this build's verdict reaches the compiler in the same build.
        Assert.Matches(new Regex(@"Loads\.cs\(5,\d+\): warning ADV3002: AdvScan failed gate \(ADV1002\) for 'mnist-cnn\.onnx'"), first.Output);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Matches(new Regex(@"Loads\.cs\(5,\d+\): warning ADV3002: AdvScan failed gate \(ADV1002\) for 'mnist-cnn\.onnx': Gate '[^']+': robust accuracy under pgd at eps 0\.3 "), second.Output);
    }

    [Fact]
    public void The_package_carries_the_analyzers_where_the_CSharp_compiler_loads_them_and_stays_small()
    {
        using var package = System.IO.Compression.ZipFile.OpenRead(workspace.Package);
        Assert.Contains("analyzers/dotnet/cs/AdvScan.Analyzers.dll", package.Entries.Select(e => e.FullName));
        // Task, targets, analyzers, schema and README: well under a megabyte, whatever the OS.
        Assert.InRange(new FileInfo(workspace.Package).Length, 1, 1024 * 1024);
    }

    private static string ScanFolder(string project) => Path.Combine(project, "obj", "Debug", "net10.0", "advscan");

    private static int LineContaining(string file, string text)
    {
        var lines = File.ReadAllLines(file);
        var index = Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
        Assert.True(index >= 0, $"{file} has no line containing {text}");
        return index + 1;
    }
}
