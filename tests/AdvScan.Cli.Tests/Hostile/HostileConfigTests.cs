using System.Text.Json;
using AdvScan.Onnx;
using AdvScan.Scanning.Tests;
using Google.Protobuf;

namespace AdvScan.Cli.Tests.Hostile;

/// <summary>
/// The front ends against hostile configs, names and runaway work, each class of harm through the real `advscan`
/// process (<see cref="HostileRun"/>): counts past their limits, numbers that do not fit, a huge config, names that
/// carry a forged diagnostic line, work that would run for hours, and an internal failure.
/// </summary>
public sealed class HostileConfigTests : IDisposable
{
    /// <summary>The line a forged name tries to print: a build error at a file its author chose.</summary>
    private const string Forged = "src/Evil.cs(7,1): error ADV1002: forged";

    private readonly HostileRun run = new();

    private static string Fixture(string name) => Path.Combine(ConfigFiles.Fixtures, name);

    /// <summary>An advscan.json over the MNIST fixtures in the run's root; <paramref name="rest"/> follows "data".</summary>
    private string Config(string name, string rest)
    {
        string Q(string path) => JsonSerializer.Serialize(path);
        var path = Path.Combine(run.Root, name);
        File.WriteAllText(path, $$"""
            {
              "model": {{Q(Fixture("mnist-cnn.onnx"))}},
              "data": { "path": {{Q(Fixture("mnist-test-images-idx3-ubyte"))}}, "labels": {{Q(Fixture("mnist-test-labels-idx1-ubyte"))}} },
            {{rest}}
            }
            """.ReplaceLineEndings("\n"));
        return path;
    }

    private static HostileOutcome Advscan(params string[] args) => HostileRun.Advscan(args);

    private static string Located(string config, string text) => $"{config}({ConfigFiles.LineOf(config, text)},1): error ADV2001: ";

    [Fact]
    public void Steps_of_int_max_are_refused_on_their_line_with_the_limit_to_raise_in_the_config_or_on_the_command_line()
    {
        var config = Config("steps.json", """
              "attacks": [ { "attack": "pgd", "eps": 0.1,
                             "steps": 2147483647 } ]
            """);

        var scan = Advscan("scan", config);

        HostileRun.AssertRefused(scan, Located(config, "2147483647") + "steps is 2147483647, above the limit of 100000 (raise it with limits.maxSteps in advscan.json or --limit-max-steps)");
        Assert.True(scan.Elapsed < TimeSpan.FromSeconds(30), $"{scan.Elapsed}");

        // The verbs' own options are held to the same limits, and the command line can lower them.
        HostileRun.AssertRefused(Advscan("attack", "--model", Fixture("mnist-cnn.onnx"), "--data", Fixture("mnist-test-images-idx3-ubyte"), "--attack", "pgd",
            "--steps", "2147483647"), "option --steps is 2147483647, above the limit of 100000");
        var fine = Config("fine.json", """  "attacks": [ { "attack": "pgd", "eps": 0.1, "steps": 40 } ]""");
        HostileRun.AssertRefused(Advscan("scan", fine, "--limit-max-steps", "20"), Located(fine, "\"steps\": 40") + "steps is 40, above the limit of 20");
        // A config lowers its own limits too; a limit that does not fit its type is refused like any other value.
        var lowered = Config("lowered.json", """
              "limits": { "maxEpochs": 3 },
              "checks": [ { "check": "neural-cleanse", "epochs": 4 } ]
            """);
        HostileRun.AssertRefused(Advscan("scan", lowered), Located(lowered, "\"epochs\": 4") + "epochs is 4, above the limit of 3");
        var unfit = Config("unfit.json", """  "limits": { "maxSteps": 2147483648 }""");
        HostileRun.AssertRefused(Advscan("scan", unfit), Located(unfit, "maxSteps") + "maxSteps must be an integer in [1, 2147483647], got 2147483648");
    }

    [Fact]
    public void A_sample_size_or_seed_of_1e30_is_a_located_error_not_a_stack_trace()
    {
        const string Big = "1000000000000000000000000000000";
        var size = Config("size.json", $$"""  "sample": { "size": {{Big}} }""");
        var seed = Config("seed.json", $$"""  "seed": {{Big}}""");
        var floatSeed = Config("float-seed.json", """  "sample": { "size": 10, "seed": 1e30 }""");

        HostileRun.AssertRefused(Advscan("scan", size), Located(size, Big) + $"size must be an integer in [1, 2147483647], got {Big}");
        HostileRun.AssertRefused(Advscan("scan", seed), Located(seed, Big) + $"seed must be an integer in [0, 2147483647], got {Big}");
        HostileRun.AssertRefused(Advscan("scan", floatSeed), Located(floatSeed, "1e30") + "seed must be an integer");
        HostileRun.AssertRefused(Advscan("eval", "--model", Fixture("mnist-cnn.onnx"), "--data", Fixture("mnist-test-images-idx3-ubyte"), "--seed", "1e30"),
            "option --seed expects an integer, got '1e30'");
        HostileRun.AssertRefused(Advscan("eval", "--model", Fixture("mnist-cnn.onnx"), "--data", Fixture("mnist-test-images-idx3-ubyte"), "--limit", Big),
            "option --limit expects an integer");
    }

    [Fact]
    public void A_config_or_shard_larger_than_MaxConfigBytes_is_refused_before_parsing_in_one_short_line()
    {
        // 50 MB of attack name: before the bound, 2.6 s, 777 MB resident and a 52 MB error line.
        var huge = Config("huge.json", $$"""  "attacks": [ { "attack": "{{new string('A', 50 << 20)}}", "eps": 0.1 } ]""");
        var shard = Path.Combine(run.Root, "shard.json");
        File.Copy(huge, shard);

        var scan = HostileRun.Advscan(["scan", huge], maxRssBytes: 300L << 20);
        var merge = HostileRun.Advscan(["merge", shard], maxRssBytes: 300L << 20);

        HostileRun.AssertRefused(scan, $"{huge}: error ADV2001: config is {new FileInfo(huge).Length} bytes, above the limit of 16777216 (raise it with --limit-max-config-bytes)");
        HostileRun.AssertRefused(merge, "shard report is");
        Assert.All(new[] { scan, merge }, o => Assert.True(o.Err.Length < 400 && o.Elapsed < TimeSpan.FromSeconds(15), $"{o.Err.Length} characters in {o.Elapsed}"));

        // Under the bound, a long name is still cut in the one line that names it.
        var long10 = Config("long.json", $$"""  "attacks": [ { "attack": "{{new string('B', 10 << 20)}}", "eps": 0.1 } ]""");
        var named = Advscan("scan", long10);
        HostileRun.AssertRefused(named, "unknown attack 'BBBB");
        Assert.Contains("...(10485560 more characters)", named.Err);
        Assert.True(named.Err.Length < 1000, $"{named.Err.Length} characters");
    }

    [Fact]
    public void A_newline_in_a_gate_id_class_name_or_node_name_cannot_print_a_forged_diagnostic_line()
    {
        // A passing gate whose id carries the forged line: the scan passes and reports nothing.
        var gate = JsonSerializer.Serialize("g\n" + Forged + "\u001b[2K\u202e");
        var passing = Config("passing.json", $$"""
              "sample": { "size": 20, "seed": 1 },
              "gates": [ { "id": {{gate}}, "metric": "cleanAccuracy", "min": 0.1 } ]
            """);
        var diagnostics = Path.Combine(run.Folder, "diagnostics.jsonl");
        var markdown = Path.Combine(run.Folder, "report.md");
        var html = Path.Combine(run.Folder, "report.html");

        var pass = Advscan("scan", passing, "--diagnostics", diagnostics, "--markdown", markdown, "--html", html);

        Assert.True(pass.Exit == 0, pass.All);
        Assert.Contains(@"gate g\nsrc/Evil.cs(7,1): error ADV1002: forged\u001b[2K\u202e: pass", pass.Out);
        AssertNoForgedLine(pass.All, File.ReadAllText(markdown), File.ReadAllText(html));
        Assert.Equal("", File.ReadAllText(diagnostics));

        // The same gate failing is one error, on the config line that set it, in print and in the structured file.
        var failing = Config("failing.json", $$"""
              "sample": { "size": 20, "seed": 1 },
              "gates": [ { "id": {{gate}}, "metric": "cleanAccuracy",
                           "min": 1.0, "bound": "confidence" } ]
            """);
        var fail = Advscan("scan", failing, "--diagnostics", diagnostics);
        Assert.True(fail.Exit == 1, fail.All);
        AssertNoForgedLine(fail.All);
        var line = ConfigFiles.LineOf(failing, "\"id\"");
        var reported = Assert.Single(File.ReadAllLines(diagnostics));
        using (var d = JsonDocument.Parse(reported))
        {
            Assert.Equal("ADV1001", d.RootElement.GetProperty("code").GetString());
            Assert.Equal(failing, d.RootElement.GetProperty("file").GetString());
            Assert.Equal(line, d.RootElement.GetProperty("line").GetInt32());
        }

        // A class name from the model's metadata (printed by eval) and an ONNX input name (printed by model check). A
        // folder name cannot hold '/' and the metadata separates names by commas: "src\Evil.cs(7): error ..." instead.
        var forgedClass = "stop\n" + @"src\Evil.cs(7): error ADV1002: forged";
        var model = OnnxModel.Load(Fixture("signs-cnn.onnx")).Proto.Clone();
        var classes = model.MetadataProps.Single(p => p.Key == "advscan.classes");
        classes.Value = classes.Value.Replace("stop", forgedClass, StringComparison.Ordinal);
        var input = model.Graph.Input[0].Name;
        var renamed = "input\n" + Forged;
        model.Graph.Input[0].Name = renamed;
        foreach (var node in model.Graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == input) node.Input[i] = renamed;
        var hostileModel = Path.Combine(run.Root, "signs.onnx");
        File.WriteAllBytes(hostileModel, model.ToByteArray());
        var data = Path.Combine(run.Root, "signs");
        foreach (var file in Directory.GetFiles(Fixture("signs-test"), "*.png", SearchOption.AllDirectories))
        {
            var folder = Path.GetFileName(Path.GetDirectoryName(file)!);
            var target = Directory.CreateDirectory(Path.Combine(data, folder == "stop" ? forgedClass : folder)).FullName;
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        var eval = Advscan("eval", "--model", hostileModel, "--data", data);
        var check = Advscan("model", "check", hostileModel);

        Assert.True(eval.Exit == 0, eval.All);
        Assert.Contains(@"(stop\nsrc\Evil.cs(7): error ADV1002: forged)", eval.Out);
        Assert.True(check.Exit == 0, check.All);
        Assert.Contains(@"input:        input\nsrc/Evil.cs(7,1): error ADV1002: forged", check.Out);
        AssertNoForgedLine(eval.All, check.All);
    }

    [Fact]
    public void A_timeout_cancels_a_scan_that_would_run_for_hours_and_ends_it_with_one_line_and_exit_124()
    {
        // 100,000 PGD steps on 200 digits at a budget nothing breaks: hours of work, all of it within the limits.
        var config = Config("hours.json", """
              "sample": { "size": 200, "seed": 1 }, "batchSize": 200,
              "attacks": [ { "attack": "pgd", "eps": 0.001, "steps": 100000 } ]
            """);
        var report = Path.Combine(run.Folder, "report.json");

        var outcome = HostileRun.Advscan(["scan", config, "--timeout", "3", "--json", report], timeout: TimeSpan.FromSeconds(60));

        Assert.False(outcome.Killed, outcome.All);
        Assert.True(outcome.Exit == CliApp.TimedOut, outcome.All);
        var error = Assert.Single(outcome.ErrorLines, l => l.Contains("error", StringComparison.Ordinal));
        Assert.Equal("error ADV4006: 'advscan scan' did not finish within its --timeout of 3 s; it was stopped and no report was written", error);
        Assert.Equal(error, outcome.ErrorLines[^1]);
        Assert.DoesNotContain("   at ", outcome.All);
        Assert.False(File.Exists(report));
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(3) + CliApp.Grace + TimeSpan.FromSeconds(10), $"{outcome.Elapsed}");
    }

    [Fact]
    public void A_timeout_ends_the_process_when_the_work_does_not_stop_on_cancellation()
    {
        // Unlearning's fine-tuning loop does not look at the cancellation token: 5,000 epochs would run for hours.
        var output = Path.Combine(run.Folder, "unlearned.onnx");

        var outcome = HostileRun.Advscan(["harden", "--unlearn", "--model", Fixture("mnist-badnets.onnx"), "--data", Fixture("mnist-test-images-idx3-ubyte"),
            "--labels", Fixture("mnist-test-labels-idx1-ubyte"), "--truth", Fixture("mnist-badnets.backdoor.json"), "--epochs", "5000", "--out", output,
            "--timeout", "3"], timeout: TimeSpan.FromSeconds(60));

        Assert.False(outcome.Killed, outcome.All);
        Assert.True(outcome.Exit == CliApp.TimedOut, outcome.All);
        var error = Assert.Single(outcome.ErrorLines);
        Assert.Equal("error ADV4006: 'advscan harden' did not finish within its --timeout of 3 s; it did not stop within 5 s of being cancelled, so the process ends and no report was written", error);
        Assert.False(File.Exists(output));
        Assert.InRange(outcome.Elapsed, TimeSpan.FromSeconds(3) + CliApp.Grace, TimeSpan.FromSeconds(3) + CliApp.Grace + TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void An_internal_failure_is_exit_3_with_one_line_naming_it_and_the_trace_only_with_verbose()
    {
        // A real failure that is not the input's fault: the GC heap capped at 64 MB while a 10 MB config is parsed.
        var config = Config("big.json", $$"""  "attacks": [ { "attack": "{{new string('C', 10 << 20)}}", "eps": 0.1 } ]""");
        var heap = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x4000000" };

        var quiet = HostileRun.Advscan(["scan", config], environment: heap);
        var verbose = HostileRun.Advscan(["scan", config, "--verbose"], environment: heap);

        Assert.True(quiet.Exit == CliApp.InternalError, quiet.All);
        var line = Assert.Single(quiet.ErrorLines);
        Assert.StartsWith("error ADV4004: internal error in 'advscan scan': OutOfMemoryException in ", line);
        Assert.EndsWith("(--verbose prints the stack trace)", line);
        Assert.DoesNotContain("   at ", quiet.All);
        Assert.True(verbose.Exit == CliApp.InternalError, verbose.All);
        Assert.StartsWith("error ADV4004: internal error in 'advscan scan': OutOfMemoryException in ", verbose.ErrorLines[0]);
        Assert.Contains("   at ", verbose.Err);
    }

    /// <summary>No line of any output is (or starts like) the forged diagnostic.</summary>
    private static void AssertNoForgedLine(params string[] outputs)
    {
        foreach (var text in outputs)
            foreach (var line in text.Split('\n'))
            {
                var trimmed = line.TrimStart();
                Assert.False(trimmed.StartsWith("src/Evil.cs", StringComparison.Ordinal) || trimmed.StartsWith(@"src\Evil.cs", StringComparison.Ordinal), $"a forged line: {line}");
                Assert.DoesNotContain('\u001b', line);
                Assert.DoesNotContain('\u202e', line);
            }
    }

    public void Dispose() => run.Dispose();
}
