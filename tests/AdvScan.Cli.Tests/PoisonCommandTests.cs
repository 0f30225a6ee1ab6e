using AdvScan.Data;
using AdvScan.Cli;
using AdvScan.Training;

using AdvScan.Scanning.Tests;

namespace AdvScan.Cli.Tests;

/// <summary>
/// `advscan poison` and the "poisoning" check in advscan.json on the zoo's training subsets, against the poison
/// recorded when mnist-badnets was trained (tests/fixtures/README.md), and its bad-input errors.
/// </summary>
public sealed class PoisonCommandTests : IDisposable
{
    private static readonly string Model = Path.Combine(ConfigFiles.Fixtures, "mnist-badnets.onnx");
    private static readonly string Images = Path.Combine(ConfigFiles.Fixtures, "mnist-badnets-train-images-idx3-ubyte");
    private static readonly string Labels = Path.Combine(ConfigFiles.Fixtures, "mnist-badnets-train-labels-idx1-ubyte");
    private static readonly string Truth = Path.Combine(ConfigFiles.Fixtures, "mnist-badnets-train.backdoor.json");
    private readonly ConfigFiles files = new();

    private static (int Exit, string Out, string Err) Advscan(params string[] args) => CliRun.Of(args);

    [Fact]
    public void Poison_flags_class_7_and_its_exclusion_list_holds_the_recorded_poison()
    {
        // Same seed, same ids is PoisonScreeningTests' to prove in-process; here one run is enough.
        string[] Run(string tag) => ["poison", "--model", Model, "--data", Images, "--labels", Labels, "--truth", Truth, "--seed", "4",
            "--json", files.PathOf(tag + ".json"), "--exclude-out", files.PathOf(tag + ".txt"), "--plain-progress"];
        var (exit, output, errors) = Advscan(Run("a"));
        Assert.True(exit == CliApp.CheckFailed, output + errors);
        Assert.Contains("ADV1009: class 7", output);
        var excluded = File.ReadAllLines(files.PathOf("a.txt")).Select(int.Parse).ToList();
        var poison = BackdoorGroundTruth.Load(Truth).PoisonedIndices.ToHashSet();
        double precision = excluded.Count(poison.Contains) / (double)excluded.Count, recall = excluded.Count(poison.Contains) / (double)poison.Count;
        Assert.True(precision >= 0.9 && recall >= 0.8, $"precision {precision}, recall {recall}");
        Assert.Equal(excluded.Order(), excluded);
        Assert.Contains("\"poisonSuspectedShare\"", File.ReadAllText(files.PathOf("a.json")));
    }

    [Fact]
    public void Poison_on_clean_digits_exits_zero_with_an_empty_exclusion_list()
    {
        // The 1,000 held-out digits keep this fast; the clean training subset is PoisonScreeningTests'.
        var ids = files.PathOf("ids.txt");
        var (exit, output, errors) = Advscan("poison", "--model", Model, "--data", Path.Combine(ConfigFiles.Fixtures, "mnist-test-images-idx3-ubyte"),
            "--labels", Path.Combine(ConfigFiles.Fixtures, "mnist-test-labels-idx1-ubyte"), "--exclude-out", ids, "--plain-progress");
        Assert.True(exit == CliApp.Success, output + errors);
        Assert.Contains("no class flagged", output);
        Assert.Equal("", File.ReadAllText(ids));
    }

    [Fact]
    public void Poison_bad_input_is_one_line_and_exit_2()
    {
        var badLabels = files.PathOf("labels-idx1-ubyte");
        var bytes = File.ReadAllBytes(Labels);
        bytes[8] = 11;
        File.WriteAllBytes(badLabels, bytes);
        foreach (var (args, expected) in new (string[], string)[]
        {
            (["--layer", "no-such-node"], "'no-such-node'"),
            (["--method", "kmeans"], "--method"),
            (["--expected-poison-rate", "1.5"], "--expected-poison-rate"),
        })
        {
            var (exit, _, errors) = Advscan(["poison", "--model", Model, "--data", Images, "--labels", Labels, "--plain-progress", .. args]);
            Assert.Equal(CliApp.BadInput, exit);
            Assert.Contains(expected, errors);
            Assert.Single(errors.Trim().Split('\n'), l => l.StartsWith("error", StringComparison.Ordinal));
        }
        var bad = Advscan("poison", "--model", Model, "--data", Images, "--labels", badLabels);
        Assert.Equal(CliApp.BadInput, bad.Exit);
        Assert.Contains("label 11 is outside", bad.Err);
    }

    [Fact]
    public void A_poisoning_check_in_the_config_fails_its_gate_on_the_gate_line_and_in_sarif()
    {
        string Q(string p) => System.Text.Json.JsonSerializer.Serialize(p);
        var config = files.Write("poison.advscan.json", $$"""
              "checks": [ { "check": "poisoning", "id": "train", "data": {{Q(Images)}}, "labels": {{Q(Labels)}}, "method": "clustering" } ],
              "gates": [
                { "metric": "poisonFlaggedClasses", "check": "train", "max": 0 },
                { "metric": "poisonSuspectedShare", "check": "train", "max": 0.5 }
              ]
            """, sampleSize: 20, model: Model);
        var sarif = files.PathOf("poison.sarif");
        var (exit, output, errors) = Advscan("scan", config, "--sarif", sarif, "--plain-progress");
        Assert.True(exit == CliApp.CheckFailed, output + errors);
        Assert.Contains($"poison.advscan.json({ConfigFiles.LineOf(config, "\"poisonFlaggedClasses\"")},1): error ADV1009", output);
        Assert.DoesNotContain("ADV1010", output);
        var text = File.ReadAllText(sarif);
        Assert.Contains("\"ADV1009\"", text);
        Assert.Contains("class 7", text);
    }

    public void Dispose() => files.Dispose();
}
