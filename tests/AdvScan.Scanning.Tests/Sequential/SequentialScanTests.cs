using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Scanning.Tests.Sequential;

/// <summary>
/// Sequential gates on the checked-in mnist-cnn (robust accuracy under FGSM at eps 0.3 far below 0.5): a gate far from
/// its figure is settled on a fraction of the sample with the full sample's verdict; a gate at its figure runs the
/// whole sample; shards are refused on the sample's line.
/// </summary>
public sealed class SequentialScanTests : IDisposable
{
    private const int Sample = 256;
    private readonly ConfigFiles files = new();

    private static Scanner NewScanner() => new ServiceCollection().AddAdvScanScanner().BuildServiceProvider().GetRequiredService<Scanner>();

    private ScanConfig Config(Scanner scanner, string gate) => ScanConfigReader.Load(files.Write("seq.json", $$"""
          "batchSize": 16,
          "attacks": [ { "id": "fgsm", "attack": "fgsm", "eps": 0.3 }, { "id": "fgsm-small", "attack": "fgsm", "eps": 0.05 } ],
          "gates": [ {{gate}} ]
        """, sampleSize: Sample), scanner.Registry);

    [Fact]
    public void A_gate_far_from_its_figure_is_settled_on_at_most_a_quarter_of_the_sample_with_the_full_samples_verdict()
    {
        var scanner = NewScanner();
        var config = Config(scanner, """{ "metric": "robustAccuracy", "attack": "fgsm", "eps": 0.3, "min": 0.5 }""");
        var full = scanner.Run(config);
        var sequential = scanner.Run(config with { Sequential = true });

        var fullGate = Assert.Single(full.Gates);
        Assert.Equal(GateStatus.Fail, fullGate.Status);
        Assert.True(fullGate.Measured.Value < 0.3, $"mnist-cnn should be far below the gate, measured {fullGate.Measured.Value}");
        var gate = Assert.Single(sequential.Gates);
        Assert.Equal(fullGate.Status, gate.Status);
        var verdict = Assert.IsType<SequentialVerdict>(gate.Sequential);
        Assert.Equal(SequentialStop.SettledFail, verdict.Stop);
        Assert.InRange(verdict.ExamplesUsed, 1, Sample / 4);
        Assert.True(verdict.Upper < 0.5 && verdict.Lower <= gate.Measured.Value && gate.Measured.Value <= verdict.Upper);
        // Every figure, the ungated attack's too, is computed on the examples used, and no attack ran past them.
        Assert.Equal(verdict.ExamplesUsed, sequential.Examples);
        Assert.Equal(new SequentialScan(Sample, verdict.ExamplesUsed, 0.95), sequential.Sequential);
        Assert.All(sequential.Attacks, a => Assert.Equal(verdict.ExamplesUsed, a.Result.Curve[0].RobustAccuracy.Trials));
        Assert.Equal(verdict.ExamplesUsed, sequential.CleanAccuracy.Trials);
        Assert.Equal(2 * verdict.ExamplesUsed / 16, sequential.Statistics.BatchesAttacked);
        Assert.Contains("settled by the 0.95 confidence sequence", gate.Message);

        // Every report carries it: JSON (read back whole), SARIF's result properties, HTML and markdown.
        var json = Render(new AdvScan.Reporting.JsonReporter(), sequential);
        var read = AdvScan.Reporting.ScanReportJson.Read(json);
        Assert.Equal(sequential.Sequential, read.Sequential);
        Assert.Equal(verdict, read.Gates[0].Sequential);
        Assert.Contains("\"stopReason\": \"settledFail\"", json);
        Assert.Contains("\"examplesUsed\"", Render(new AdvScan.Reporting.SarifReporter(), sequential));
        Assert.Contains("settledFail", Render(new AdvScan.Reporting.HtmlReporter(), sequential));
        Assert.Contains("settledFail after", Render(new AdvScan.Reporting.MarkdownReporter(), sequential));
        // A full-sample report has none of it.
        Assert.DoesNotContain("sequential", Render(new AdvScan.Reporting.JsonReporter(), full));
        var merge = Assert.Throws<InvalidInputException>(() => AdvScan.Reporting.ShardMerger.Merge([read]));
        Assert.Contains("sequential", merge.Message);
    }

    private static string Render(IReporter reporter, ScanReport report)
    {
        using var output = new MemoryStream();
        reporter.WriteAsync(report, output).GetAwaiter().GetResult();
        return System.Text.Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public void A_gate_at_its_figure_runs_the_whole_sample_and_is_judged_as_a_full_sample_scan_judges_it()
    {
        var scanner = NewScanner();
        var probe = scanner.Run(Config(scanner, """{ "metric": "robustAccuracy", "attack": "fgsm-small", "min": 0.5 }"""));
        double value = Math.Round(probe.Gates[0].Measured.Value, 4);
        var config = Config(scanner, $$"""{ "metric": "robustAccuracy", "attack": "fgsm-small", "min": {{value.ToString(System.Globalization.CultureInfo.InvariantCulture)}} }""");
        var full = scanner.Run(config);
        var sequential = scanner.Run(config with { Sequential = true });

        var gate = Assert.Single(sequential.Gates);
        var verdict = Assert.IsType<SequentialVerdict>(gate.Sequential);
        Assert.Equal(SequentialStop.SampleExhausted, verdict.Stop);
        Assert.Equal(Sample, verdict.ExamplesUsed);
        Assert.Equal(Sample, sequential.Examples);
        Assert.InRange(value, verdict.Lower, verdict.Upper);
        Assert.Equal(full.Gates[0].Status, gate.Status);
        Assert.Equal(full.Gates[0].Measured.Proportion!.Value.Trials, gate.Measured.Proportion!.Value.Trials);
    }

    [Fact]
    public void A_gate_on_the_worst_case_over_attacks_is_settled_from_its_per_example_outcomes()
    {
        var scanner = NewScanner();
        var config = Config(scanner, """{ "metric": "robustAccuracy", "attack": "all", "eps": 0.3, "min": 0.5 }""") with { Sequential = true };
        var report = scanner.Run(config);
        var gate = Assert.Single(report.Gates);
        Assert.Equal(GateStatus.Fail, gate.Status);
        Assert.Equal(SequentialStop.SettledFail, gate.Sequential!.Stop);
        Assert.InRange(report.Examples, 1, Sample / 4);
        var all = report.Attacks.Single(a => a.Config.Id == "all");
        Assert.Equal(report.Examples, all.Result.RobustByBudget![^1].Length);
    }

    [Fact]
    public void A_gate_on_a_figure_that_is_not_one_outcome_per_example_runs_the_whole_sample_beside_a_settled_one()
    {
        var scanner = NewScanner();
        var config = Config(scanner, """
            { "metric": "robustAccuracy", "attack": "fgsm", "eps": 0.3, "min": 0.5 },
            { "metric": "runtimeDisagreement", "attack": "fgsm", "max": 0.5 }
            """) with { Sequential = true };
        var report = scanner.Run(config);
        Assert.Equal(Sample, report.Examples);
        Assert.Equal(SequentialStop.SettledFail, report.Gates[0].Sequential!.Stop);
        Assert.Null(report.Gates[1].Sequential);
    }

    [Fact]
    public void The_same_seed_gives_the_same_order_and_the_same_report_and_another_seed_another_order()
    {
        var sample = Enumerable.Range(0, 100).ToList();
        Assert.Equal(SequentialGates.Order(sample, 5), SequentialGates.Order(sample, 5));
        Assert.NotEqual(SequentialGates.Order(sample, 5), SequentialGates.Order(sample, 6));
        Assert.Equal(sample, SequentialGates.Order(sample, 5).Order());
    }

    [Fact]
    public void Sequential_gates_in_a_shard_are_refused_on_the_sample_line()
    {
        var scanner = NewScanner();
        var path = files.WriteRaw("shard.json", $$"""
            {
              "model": {{Quote(Path.Combine(ConfigFiles.Fixtures, "mnist-cnn.onnx"))}},
              "data": { "path": {{Quote(Path.Combine(ConfigFiles.Fixtures, "mnist-test-images-idx3-ubyte"))}} },
              "sample": { "size": 32, "sequential": true },
              "attacks": [ { "attack": "fgsm", "eps": 0.1 } ],
              "gates": [ { "metric": "robustAccuracy", "attack": "fgsm", "min": 0.5 } ]
            }
            """);
        var config = ScanConfigReader.Load(path, scanner.Registry);
        Assert.True(config.Sequential);
        var e = Assert.Throws<InvalidInputException>(() => scanner.Run(config, new ScanOptions(ShardIndex: 0, ShardCount: 2)));
        Assert.Equal(ConfigFiles.LineOf(path, "\"sequential\": true"), e.Line);
        Assert.Contains("shards", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    public void Dispose() => files.Dispose();
}
