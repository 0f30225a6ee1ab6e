using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AdvScan.MSBuild.Tests;

/// <summary>
/// Real builds of examples/mnist-gate against a hostile or runaway config: the task ends a scan that would run for
/// hours after AdvScanTimeout with one ADV4006 error and no process left behind, and takes its errors from the CLI's
/// diagnostics file, so a gate id carrying a forged diagnostic line is never a build error at the file it names.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PackedCollection.Name)]
public sealed class HostileBuildTests(PackedExample workspace)
{
    private const string Config = "mnist-cnn.advscan.json";
    private const string Forged = "src/Evil.cs(7,1): error ADV1002: forged";

    /// <summary>The example's passing config with <paramref name="rest"/> (attacks, gates) after its sample.</summary>
    private static void WriteConfig(string project, string sample, string rest) =>
        File.WriteAllText(Path.Combine(project, Config), $$"""
            {
              "model": "../../tests/fixtures/mnist-cnn.onnx",
              "data": {
                "path": "../../tests/fixtures/mnist-test-images-idx3-ubyte",
                "labels": "../../tests/fixtures/mnist-test-labels-idx1-ubyte"
              },
              {{sample}},
            {{rest}}
            }
            """.ReplaceLineEndings("\n"));

    /// <summary>The build's errors: the console logger ends each with its project; the tool's own lines (messages) end without.</summary>
    private static string[] Errors(BuildResult build) =>
        Regex.Matches(build.Output, @"^.*error [A-Z]+\d{4}:.*\[[^\]]*\.csproj\]\s*$", RegexOptions.Multiline).Select(m => m.Value.Trim()).Distinct().ToArray();

    [Fact]
    public void A_scan_that_would_run_for_hours_is_ended_after_AdvScanTimeout_with_one_ADV4006_error_and_no_process_left()
    {
        var project = workspace.CopyExample("timeout");
        // 100,000 PGD steps on 200 digits at a budget nothing breaks: hours of work within every limit.
        WriteConfig(project, """ "sample": { "size": 200, "seed": 1 }, "batchSize": 200 """,
            """  "attacks": [ { "attack": "pgd", "eps": 0.001, "steps": 100000 } ]""");
        // Restore and compile first, so the timed build below is the scan and its timeout.
        var warm = workspace.Build(project, "-p:AdvScanEnabled=false");
        Assert.True(warm.ExitCode == 0, warm.ToString());

        var clock = Stopwatch.StartNew();
        var build = workspace.Build(project, "-p:AdvScanTimeout=15");
        clock.Stop();

        Assert.True(build.ExitCode != 0, build.ToString());
        var error = Assert.Single(Errors(build));
        Assert.Matches(new Regex(Regex.Escape(Path.Combine(project, Config)) + @" ?: error ADV4006: advscan did not finish within AdvScanTimeout \(15 s\)"), error);
        Assert.Contains("AdvScan: scanning", build.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15 + 60), $"the build took {clock.Elapsed.TotalSeconds:0} s\n{build.Output}");
        Console.WriteLine($"timed-out build: {clock.Elapsed.TotalSeconds:0.0} s");
        // The tool and any child of it were ended with the build's task, not left running.
        Assert.Empty(ProcessesMentioning(project));
        // A scan that did not finish leaves no stamp: the next build scans again.
        Assert.Empty(Directory.GetFiles(Path.Combine(project, "obj"), "*.stamp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_forged_diagnostic_in_a_gate_id_is_no_build_error_and_a_passing_scan_carrying_one_still_passes()
    {
        var project = workspace.CopyExample("forged");
        var id = System.Text.Json.JsonSerializer.Serialize("g\n" + Forged);
        WriteConfig(project, """ "sample": { "size": 20, "seed": 7 } """, $$"""
              "gates": [ { "id": {{id}}, "metric": "cleanAccuracy", "min": 0.5 } ]
            """);

        var passing = workspace.Build(project, "-v:n");

        Assert.True(passing.ExitCode == 0, passing.ToString());
        Assert.Empty(Errors(passing));
        Assert.Contains("0 Error(s)", passing.Output);
        Assert.DoesNotMatch(new Regex(@"^\s*src/Evil\.cs", RegexOptions.Multiline), passing.Output);
        // The tool printed the id, escaped, as a message of the build log.
        Assert.Contains(@"gate g\nsrc/Evil.cs(7,1): error ADV1002: forged: pass", passing.Output);

        // Failing, the same gate is one error on the config line that set it, never one at src/Evil.cs.
        WriteConfig(project, """ "sample": { "size": 20, "seed": 7 } """, $$"""
              "gates": [ { "id": {{id}}, "metric": "cleanAccuracy",
                           "min": 1.0, "bound": "confidence" } ]
            """);
        var line = File.ReadAllLines(Path.Combine(project, Config)).ToList().FindIndex(l => l.Contains("\"id\"", StringComparison.Ordinal)) + 1;

        var failing = workspace.Build(project);

        Assert.True(failing.ExitCode != 0, failing.ToString());
        var error = Assert.Single(Errors(failing));
        Assert.Matches(new Regex(Regex.Escape(Path.Combine(project, Config)) + $@"\({line},1\): error ADV1001: clean accuracy "), error);
        Assert.Contains("1 Error(s)", failing.Output);
        Assert.DoesNotMatch(new Regex(@"Evil\.cs\(7,1\): error", RegexOptions.Multiline), failing.Output);
    }

    /// <summary>Processes whose command line names <paramref name="folder"/> (Linux: /proc/PID/cmdline).</summary>
    private static List<string> ProcessesMentioning(string folder)
    {
        var found = new List<string>();
        if (!OperatingSystem.IsLinux()) return found;
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(folder, StringComparison.Ordinal)) found.Add($"{pid}: {commandLine}");
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }
}
