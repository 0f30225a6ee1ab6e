using AdvScan.Scanning.Tests;
using System.Text.Json;
using AdvScan.Checks.Tests.Patch;
using AdvScan.Cli;
using Newtonsoft.Json.Linq;

namespace AdvScan.Checks.Tests.Corruptions;

/// <summary>
/// The corruptions check through the real `advscan scan` and `advscan merge` on the MNIST fixtures: a failed gate on
/// corruptionAccuracy is ADV1019 on its config line and in SARIF; shards merge to exactly the unsharded figures (means,
/// differences and mCE recomputed from the added counts); the HTML shows the chart and the grid of one example.
/// </summary>
public sealed class CorruptionsCommandTests : IDisposable
{
    private static readonly string Fixtures = ModelFixture.Fixtures;
    private readonly string folder = Directory.CreateTempSubdirectory("advscan-corruptions-cli-").FullName;

    private static (int Exit, string Out, string Err) Advscan(params string[] args) => CliRun.Of(args);

    private static string Q(string file) => JsonSerializer.Serialize(Path.Combine(Fixtures, file));

    private string Config(string check, string gates, int sample = 30)
    {
        var path = Path.Combine(folder, "advscan.json");
        File.WriteAllText(path, $$"""
            {
              "model": {{Q("mnist-cnn.onnx")}},
              "data": { "path": {{Q("mnist-test-images-idx3-ubyte")}}, "labels": {{Q("mnist-test-labels-idx1-ubyte")}} },
              "sample": { "size": {{sample}}, "seed": 4 },
              "checks": [ {{check}} ],
              "gates": [
            {{gates}}
              ]
            }
            """.ReplaceLineEndings("\n"));
        return path;
    }

    [Fact]
    public void A_corruption_accuracy_gate_fails_with_ADV1019_on_its_line_and_in_SARIF()
    {
        var config = Config("""{ "id": "shift", "check": "corruptions", "only": "contrast,fog", "severity": [1, 5] }""", """
                { "metric": "corruptionAccuracy", "check": "shift", "min": 0.2 },
                { "metric": "corruptionAccuracy", "check": "shift", "corruption": "contrast", "severity": 5, "min": 0.99 }
            """);
        var sarif = Path.Combine(folder, "scan.sarif");
        var (exit, output, errors) = Advscan("scan", config, "--sarif", sarif);
        Assert.True(exit == CliApp.CheckFailed, output + errors);
        int line = Array.FindIndex(File.ReadAllLines(config), l => l.Contains("\"corruption\": \"contrast\"", StringComparison.Ordinal)) + 1;
        Assert.Contains($"{config}({line},1): error ADV1019: corruption accuracy of shift for corruption contrast at severity 5 ", output);
        Assert.DoesNotContain($"{config}({line - 1},1): error", output);
        var log = File.ReadAllText(sarif);
        Assert.Contains("\"ruleId\": \"ADV1019\"", log);
        Assert.Contains("CorruptionAccuracyBelowThreshold", log);
        Assert.Contains("\"label\": \"contrast\"", log);
    }

    [Fact]
    public void Shards_merge_to_the_unsharded_figures_and_the_html_shows_the_chart_and_the_grid()
    {
        var config = Config($$"""{ "id": "shift", "check": "corruptions", "only": "gaussian-noise,fog,zoom-blur", "severity": [2, 4], "baseline": {{Q("mnist-robust.onnx")}} }""", """
                { "metric": "corruptionError", "check": "shift", "max": 0.5 },
                { "metric": "mCE", "check": "shift", "corruption": "fog", "max": 100 },
                { "metric": "corruptionAccuracy", "check": "shift", "severity": 4, "min": 0.1, "bound": "confidence" }
            """, sample: 24);
        string Scan(string tag, params string[] extra)
        {
            var json = Path.Combine(folder, tag + ".json");
            var (exit, output, errors) = Advscan(["scan", config, "--json", json, .. extra]);
            Assert.True(exit == CliApp.Success, output + errors);
            return json;
        }
        var html = Path.Combine(folder, "whole.html");
        var whole = Scan("whole", "--html", html);
        var merged = Path.Combine(folder, "merged.json");
        var merge = Advscan("merge", Scan("shard0", "--shard", "0/3"), Scan("shard1", "--shard", "1/3"), Scan("shard2", "--shard", "2/3"), "--json", merged);
        Assert.True(merge.Exit == CliApp.Success, merge.Out + merge.Err);

        JToken Check(string file) => JObject.Parse(File.ReadAllText(file))["checks"]![0]!;
        Assert.Equal(Check(whole)["metrics"]!.ToString(), Check(merged)["metrics"]!.ToString());
        Assert.Equal(Check(whole)["tables"]!.ToString(), Check(merged)["tables"]!.ToString());
        Assert.Equal(JObject.Parse(File.ReadAllText(whole))["gates"]!.ToString(), JObject.Parse(File.ReadAllText(merged))["gates"]!.ToString());
        var oneShard = Check(Path.Combine(folder, "shard0.json"))["metrics"]!.First(m => (string?)m["metric"] == "corruptionError")["value"]!;
        Assert.NotEqual((double)oneShard, (double)Check(whole)["metrics"]!.First(m => (string?)m["metric"] == "corruptionError")["value"]!);

        var page = File.ReadAllText(html);
        Assert.Contains("Accuracy against corruption severity", page);
        Assert.Contains("<polyline", page[page.IndexOf("Check shift", StringComparison.Ordinal)..]);
        // The grid: one row per corruption, the clean example and each severity.
        foreach (var corruption in new[] { "gaussian-noise", "fog", "zoom-blur" })
            Assert.Contains($"<h3>{corruption}</h3>", page);
        Assert.Contains("severity 4: ", page);
        Assert.Contains("Against the baseline", page);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
