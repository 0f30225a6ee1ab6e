using AdvScan.Cli;
using AdvScan.Scanning.Tests;

namespace AdvScan.Cli.Tests;

/// <summary>
/// What a new user meets through the extension model: attack defaults and norms come from the attacks, and every
/// config mistake is one located line with exit 2 before any model is loaded.
/// </summary>
public sealed class ExtensionModelCommandTests : IDisposable
{
    private readonly ConfigFiles files = new();

    private static (int Exit, string Out, string Err) Advscan(params string[] args) => CliRun.Of(args);

    /// <summary>A model file that is not ONNX: if the config error is reported instead, the config was judged before the model was read.</summary>
    private string BrokenModel()
    {
        var path = files.PathOf("broken.onnx");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        return path;
    }

    [Fact]
    public void Cw_without_a_norm_scans_with_l2_its_only_norm()
    {
        var config = files.Write("cw.json", """
              "attacks": [ { "attack": "cw", "eps": [1.0], "steps": 5 } ],
              "gates": []
            """, sampleSize: 10);
        var json = files.PathOf("cw-report.json");
        var (exit, output, errors) = Advscan("scan", config, "--json", json, "--plain-progress");
        Assert.True(exit == CliApp.Success, output + errors);
        var report = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(json));
        Assert.Equal("l2", (string?)report["attacks"]![0]!["norm"]);
        Assert.StartsWith("L2, 5 Adam steps", (string?)report["attacks"]![0]!["description"]);
    }

    [Fact]
    public void A_norm_that_does_not_exist_fails_on_its_line_with_exit_2_before_the_model_is_loaded()
    {
        var config = files.Write("l3.json", """
              "attacks": [ { "attack": "fgsm",
                             "norm": "l3", "eps": [0.1] } ]
            """, model: BrokenModel());
        var (exit, _, errors) = Advscan("scan", config);
        Assert.Equal(CliApp.BadInput, exit);
        Assert.Contains($"{config}({ConfigFiles.LineOf(config, "\"l3\"")},1): error ADV2001: norm must be linf or l2, got 'l3'", errors);
        Assert.Single(errors.Trim().Split('\n'));
    }

    [Fact]
    public void A_norm_the_attack_does_not_support_names_the_ones_it_does()
    {
        var config = files.Write("cw-linf.json", """
              "attacks": [ { "attack": "cw",
                             "norm": "linf", "eps": [0.1] } ]
            """, model: BrokenModel());
        var (exit, _, errors) = Advscan("scan", config);
        Assert.Equal(CliApp.BadInput, exit);
        Assert.Contains($"({ConfigFiles.LineOf(config, "\"linf\"")},1): error ADV2001: attack 'cw' does not support the linf norm; it supports l2", errors);
    }

    [Fact]
    public void A_gate_on_an_unknown_metric_fails_on_its_line_with_exit_2_before_the_model_is_loaded()
    {
        var config = files.Write("metric.json", """
              "attacks": [ { "attack": "fgsm", "eps": [0.1] } ],
              "gates": [
                { "metric": "robustness", "attack": "fgsm", "min": 0.5 }
              ]
            """, model: BrokenModel());
        var (exit, _, errors) = Advscan("scan", config);
        Assert.Equal(CliApp.BadInput, exit);
        Assert.Contains($"({ConfigFiles.LineOf(config, "\"robustness\"")},1): error ADV2001: unknown metric 'robustness'; expected one of ", errors);
        Assert.Contains("robustAccuracy", errors);
        Assert.DoesNotContain("ADV2002", errors);
    }

    [Fact]
    public void A_key_the_attack_does_not_read_is_rejected_on_its_line()
    {
        // FGSM takes a single step: "steps" would silently mean nothing, so it is an error like any unknown key.
        var config = files.Write("fgsm-steps.json", """
              "attacks": [ { "attack": "fgsm", "eps": [0.1],
                             "steps": 40 } ]
            """, model: BrokenModel());
        var (exit, _, errors) = Advscan("scan", config);
        Assert.Equal(CliApp.BadInput, exit);
        Assert.Contains($"({ConfigFiles.LineOf(config, "\"steps\"")},1): error ADV2001: unknown property \"steps\" in attacks", errors);
    }

    [Fact]
    public void The_shipped_schema_is_what_advscan_schema_writes_for_the_registered_attacks_and_checks()
    {
        var shipped = File.ReadAllText(Path.Combine(ConfigFiles.RepositoryRoot, "src", "AdvScan.Scanning", "advscan.schema.json"));
        var (exit, written, _) = Advscan("schema");
        Assert.Equal(CliApp.Success, exit);
        Assert.True(shipped == written, "src/AdvScan.Scanning/advscan.schema.json is stale: run `dotnet run --project src/AdvScan.Cli -- schema --out src/AdvScan.Scanning/advscan.schema.json`");
    }

    [Fact]
    public void A_cancelled_scan_exits_130_and_leaves_no_report_file()
    {
        var config = files.Write("cancel.json", """
              "attacks": [ { "attack": "pgd", "eps": [0.3], "steps": 10 } ]
            """, sampleSize: 20);
        var json = files.PathOf("cancelled.json");
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var exit = CliApp.Run(["scan", config, "--json", json, "--plain-progress"], new StringWriter(), new StringWriter(), cancellation.Token);
        Assert.Equal(CliApp.Cancelled, exit);
        Assert.False(File.Exists(json));
        Assert.False(File.Exists(json + ".partial"));
    }

    [Fact]
    public void Help_lists_every_registered_attack()
    {
        var (exit, output, _) = Advscan("--help");
        Assert.Equal(CliApp.Success, exit);
        foreach (var attack in AdvScan.Scanning.ScanRegistry.Default.Attacks)
            Assert.Contains(attack.Name, output);
        Assert.Contains("autoattack", output);
        Assert.DoesNotContain("{ATTACKS}", output);
    }

    public void Dispose() => files.Dispose();
}
