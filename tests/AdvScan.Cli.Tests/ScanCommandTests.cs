using AdvScan.Cli;
using Newtonsoft.Json.Linq;

using AdvScan.Scanning.Tests;

namespace AdvScan.Cli.Tests;

/// <summary>
/// `advscan scan` and `advscan merge`, run in-process on the MNIST fixtures: exit codes, gate diagnostics located on the
/// config line that set the threshold, reproducible reports, and shards that merge to the unsharded counts.
/// </summary>
public sealed class ScanCommandTests : IDisposable
{
    private const string FgsmGates = """
          "attacks": [ { "id": "fgsm", "attack": "fgsm", "eps": [0.05, 0.15] } ],
          "gates": [
            { "metric": "cleanAccuracy", "min": 0.8 },
            { "metric": "robustAccuracy", "attack": "fgsm", "eps": 0.05, "min": 0.3 }
          ]
        """;

    private readonly ConfigFiles files = new();

    private static (int Exit, string Out, string Err) Advscan(params string[] args) => CliRun.Of([.. args, "--plain-progress"]);

    private static (int Exit, string Out, string Err) Merge(params string[] args) => CliRun.Of(["merge", .. args]);

    [Fact]
    public void A_config_whose_gates_all_pass_exits_0_without_error_diagnostics()
    {
        var config = files.Write("pass.json", FgsmGates);
        var (exit, output, errors) = Advscan("scan", config);
        Assert.True(exit == CliApp.Success, output + errors);
        Assert.DoesNotContain("error ADV", output);
    }

    [Fact]
    public void A_failed_robust_accuracy_gate_exits_1_with_ADV1002_on_the_line_that_set_the_threshold()
    {
        var config = files.Write("fail.json", """
              "attacks": [ { "id": "pgd", "attack": "pgd", "eps": [0.3], "steps": 10, "stepSize": 0.05 } ],
              "gates": [
                { "metric": "cleanAccuracy", "min": 0.8 },
                { "metric": "robustAccuracy", "attack": "pgd", "eps": 0.3, "min": 0.7 }
              ]
            """, sampleSize: 20);
        var (exit, output, _) = Advscan("scan", config);
        Assert.Equal(CliApp.CheckFailed, exit);
        var line = ConfigFiles.LineOf(config, "\"min\": 0.7");
        Assert.Contains($"{config}({line},1): error ADV1002:", output);
        // The passing clean-accuracy gate is not an error.
        Assert.DoesNotContain("error ADV1001", output);
    }

    [Fact]
    public void A_confidence_bound_gate_fails_a_small_sample_that_the_point_estimate_passes()
    {
        string Gate(string bound) => $$"""
              "attacks": [],
              "gates": [ { "metric": "cleanAccuracy", "min": 0.9, "bound": "{{bound}}" } ]
            """;
        var point = Advscan("scan", files.Write("point.json", Gate("point"), sampleSize: 20));
        var confidence = Advscan("scan", files.Write("confidence.json", Gate("confidence"), sampleSize: 20));
        Assert.True(point.Exit == CliApp.Success, point.Out + point.Err);
        Assert.Equal(CliApp.CheckFailed, confidence.Exit);
        Assert.Contains("error ADV1001", confidence.Out);
    }

    [Fact]
    public void A_bad_config_exits_2_with_a_located_ADV2001_error_and_no_stack_trace()
    {
        var config = files.Write("bad.json", """
              "attacks": [ { "attack": "pgd", "eps": [0.1] } ],
              "gates": [ { "metric": "cleanAccuracy", "min": 1.2 } ]
            """);
        var (exit, _, errors) = Advscan("scan", config);
        Assert.Equal(CliApp.BadInput, exit);
        Assert.StartsWith($"{config}({ConfigFiles.LineOf(config, "1.2")},1): error ADV2001:", errors.Trim());
        Assert.DoesNotContain("   at ", errors);
    }

    [Fact]
    public void A_report_path_that_cannot_be_written_exits_2_naming_it_before_any_attack_runs()
    {
        var config = files.Write("unwritable.json", FgsmGates);
        var folder = files.PathOf("a-folder");
        Directory.CreateDirectory(folder);
        var (exit, output, errors) = Advscan("scan", config, "--json", files.PathOf("fine.json"), "--sarif", folder);
        Assert.Equal(CliApp.BadInput, exit);
        Assert.Contains(folder, errors);
        Assert.Contains("cannot be written", errors);
        // Nothing was scanned (no summary), and the writable output was not left behind half-made.
        Assert.DoesNotContain("clean accuracy", output, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(files.PathOf("fine.json")));
    }

    [Fact]
    public void A_corrupt_model_exits_2_with_ADV2002_naming_the_model_file()
    {
        var model = files.PathOf("corrupt.onnx");
        File.WriteAllBytes(model, [0x08, 0x07, 0x12, 0xFF, 0xFF, 0xFF, 0x01, 0x42]);
        var config = files.Write("corrupt.json", FgsmGates, model: model);
        var (exit, _, errors) = Advscan("scan", config);
        Assert.Equal(CliApp.BadInput, exit);
        Assert.Contains("error ADV2002", errors);
        Assert.Contains(model, errors);
    }

    [Fact]
    public void The_same_config_and_seed_give_byte_identical_json_and_sarif()
    {
        var config = files.Write("repeat.json", FgsmGates);
        byte[][] Run(string tag)
        {
            var json = files.PathOf($"{tag}.report.json");
            var sarif = files.PathOf($"{tag}.sarif");
            var (exit, output, errors) = Advscan("scan", config, "--json", json, "--sarif", sarif);
            Assert.True(exit == CliApp.Success, output + errors);
            return [File.ReadAllBytes(json), File.ReadAllBytes(sarif)];
        }
        var first = Run("first");
        var second = Run("second");
        Assert.Equal(first[0], second[0]);
        Assert.Equal(first[1], second[1]);
    }

    [Fact]
    public void Shards_merged_give_the_counts_of_the_unsharded_scan()
    {
        var config = files.Write("sharded.json", FgsmGates);
        string Scan(string tag, params string[] extra)
        {
            var json = files.PathOf($"{tag}.json");
            var (exit, output, errors) = Advscan(["scan", config, "--json", json, .. extra]);
            Assert.True(exit == CliApp.Success, output + errors);
            return json;
        }
        var whole = JObject.Parse(File.ReadAllText(Scan("whole")));
        var shard0 = Scan("shard0", "--shard", "0/2");
        var shard1 = Scan("shard1", "--shard", "1/2");
        var mergedPath = files.PathOf("merged.json");
        var merge = Merge(shard0, shard1, "--json", mergedPath);
        Assert.True(merge.Exit == CliApp.Success, merge.Out + merge.Err);
        var merged = JObject.Parse(File.ReadAllText(mergedPath));

        // Each shard saw part of the sample; together they saw all of it, once.
        Assert.True((int)JObject.Parse(File.ReadAllText(shard0))["examples"]! < (int)whole["examples"]!);
        Assert.Equal((int)whole["examples"]!, (int)merged["examples"]!);
        Assert.Equal(Counts(whole), Counts(merged));
    }

    /// <summary>Every successes/trials pair and every count in the report, by JSON path, ignoring derived rates.</summary>
    private static IReadOnlyList<string> Counts(JObject report) =>
        report.Descendants().OfType<JProperty>()
            .Where(p => p.Name is "successes" or "trials" or "attacked" or "runtimeDisagreements" or "runtimeQueries" or "gradientEvaluations")
            .Select(p => $"{p.Path}={p.Value}")
            .ToList();

    public void Dispose() => files.Dispose();
}
