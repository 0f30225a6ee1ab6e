using AdvScan.Cli;
using AdvScan.Reporting;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning.Tests;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace AdvScan.Cli.Tests;

/// <summary>
/// Every check without a hand-written command gets a verb generated from its declared keys: options, help and
/// defaults come from the check, the run is the scan an equivalent advscan.json describes.
/// </summary>
public sealed class GeneratedCheckVerbTests : IDisposable
{
    private readonly ConfigFiles files = new();
    private static readonly string Fixtures = ConfigFiles.Fixtures;

    private static (int Exit, string Out, string Err) Advscan(params string[] args) => CliRun.Of(args);

    /// <summary>A check only this test assembly registers: the share of the sample with a label at least a threshold.</summary>
    private sealed class LabelShare : IScanCheck
    {
        public static readonly GateRule Rule = new("ADV9002", "LabelShare", "Labels above a threshold.", "The share of labels at or above the threshold.", "None.");
        public string Name => "label-share";
        public string Summary => "The share of sampled examples whose label is at least minLabel.";
        public IReadOnlyList<ConfigKey> Keys { get; } = [new("minLabel", "integer", "The smallest label counted.", "5")];
        public IReadOnlyList<MetricDefinition> Metrics { get; } = [new("labelShare", MetricDirection.LowerIsBetter, MetricUnit.Proportion, Rule, "label share")];
        public CheckSettings Configure(ConfigSection section) => new Settings(section.Int("minLabel", min: 0) ?? 5);
        public CheckReport Run(CheckContext context, CheckSettings settings)
        {
            int min = ((Settings)settings).MinLabel;
            var share = Proportion.Of(context.Indices.Count(i => context.Dataset.Labels[i] >= min), context.Indices.Count);
            return CheckReport.Of("", Name, settings.Describe(), [MetricValue.Of("labelShare", share)]);
        }

        private sealed record Settings(int MinLabel) : CheckSettings
        {
            public override string Describe() => $"labels >= {MinLabel}";
        }
    }

    private static ServiceProvider WithLabelShare()
    {
        var services = new ServiceCollection();
        services.AddAdvScanScanner();
        services.AddSingleton<IScanCheck, LabelShare>();
        services.AddAdvScanReporters();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void A_check_registered_only_in_a_test_assembly_gets_a_verb_with_its_options_and_help()
    {
        using var services = WithLabelShare();
        var registry = services.GetRequiredService<Scanner>().Registry;
        var usage = CheckCommand.Usage(registry, CliApp.Commands);
        Assert.Contains("label-share --model <model.onnx> --data <data>", usage);
        Assert.Contains("--min-label N: The smallest label counted. (default 5)", usage);
        Assert.Contains("The share of sampled examples whose label is at least minLabel.", usage);

        var json = files.PathOf("share.json");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var session = new CliSession(new LineWriter(stdout), new LineWriter(stderr), new DiagnosticLog(null), GlobalOptions.Read(["label-share"]), CancellationToken.None);
        var args = new ArgumentReader(["--model", Path.Combine(Fixtures, "mnist-cnn.onnx"), "--data", Path.Combine(Fixtures, "mnist-test-images-idx3-ubyte"),
            "--labels", Path.Combine(Fixtures, "mnist-test-labels-idx1-ubyte"), "--sample", "40", "--seed", "3", "--min-label", "7", "--json", json, "--plain-progress"]);
        int exit = CheckCommand.Run(registry.Check("label-share")!, args, session, services, CancellationToken.None);
        Assert.True(exit == CliApp.Success, stdout + stderr.ToString());

        // The oracle: the sample a scan with seed 3 draws, counted directly.
        var report = JObject.Parse(File.ReadAllText(json));
        var metric = report["checks"]![0]!["metrics"]![0]!;
        using var dataset = AdvScan.Data.Datasets.Open(Path.Combine(Fixtures, "mnist-test-images-idx3-ubyte"),
            new AdvScan.Data.DatasetOptions(LabelsPath: Path.Combine(Fixtures, "mnist-test-labels-idx1-ubyte")));
        var sample = AdvScan.Data.Sampling.Stratified(dataset.Labels, 40, 3);
        Assert.Equal(sample.Count(i => dataset.Labels[i] >= 7), (int)metric["successes"]!);
        Assert.Equal(40, (int)metric["trials"]!);
    }

    [Fact]
    public void The_corruptions_verb_gives_the_figures_of_the_scan_its_options_describe()
    {
        var viaVerb = files.PathOf("verb.json");
        var (exit, output, errors) = Advscan("corruptions", "--model", Path.Combine(Fixtures, "mnist-cnn.onnx"),
            "--data", Path.Combine(Fixtures, "mnist-test-images-idx3-ubyte"), "--labels", Path.Combine(Fixtures, "mnist-test-labels-idx1-ubyte"),
            "--sample", "20", "--seed", "3", "--only", "fog,contrast", "--severity", "1,5", "--json", viaVerb, "--plain-progress");
        Assert.True(exit == CliApp.Success, output + errors);

        var config = files.Write("corruptions.json", """
              "checks": [ { "check": "corruptions", "only": "fog,contrast", "severity": [1, 5] } ]
            """, sampleSize: 20);
        var viaScan = files.PathOf("scan.json");
        (exit, output, errors) = Advscan("scan", config, "--json", viaScan, "--plain-progress");
        Assert.True(exit == CliApp.Success, output + errors);

        var a = JObject.Parse(File.ReadAllText(viaVerb))["checks"]![0]!;
        var b = JObject.Parse(File.ReadAllText(viaScan))["checks"]![0]!;
        Assert.True(JToken.DeepEquals(a["metrics"], b["metrics"]), a["metrics"] + "\n---\n" + b["metrics"]);
        Assert.Contains("corruptionAccuracy", a["metrics"]!.ToString());
    }

    [Theory]
    [InlineData("abc", "option --severity expects a number, got 'abc'")]
    [InlineData("9", "option --severity: ")]
    public void A_bad_option_value_is_one_line_naming_the_option(string severity, string expected)
    {
        var (exit, output, errors) = Advscan("corruptions", "--model", Path.Combine(Fixtures, "mnist-cnn.onnx"),
            "--data", Path.Combine(Fixtures, "mnist-test-images-idx3-ubyte"), "--labels", Path.Combine(Fixtures, "mnist-test-labels-idx1-ubyte"),
            "--severity", severity);
        Assert.Equal(CliApp.BadInput, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.Empty(output);
    }

    [Fact]
    public void A_fifo_named_by_an_option_is_refused_under_the_verb_s_name_not_at_the_in_memory_config()
    {
        var fifo = files.PathOf("pipe.onnx");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        var (exit, output, errors) = Advscan("corruptions", "--model", fifo,
            "--data", Path.Combine(Fixtures, "mnist-test-images-idx3-ubyte"), "--labels", Path.Combine(Fixtures, "mnist-test-labels-idx1-ubyte"));
        Assert.Equal(CliApp.BadInput, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("advscan corruptions: error ADV2001: option --model: ", line);
        Assert.Contains("FIFO", line);
        Assert.DoesNotContain(".advscan.json", line);
        Assert.Empty(output);
    }

    [Fact]
    public void Help_lists_the_generated_verbs_and_leaves_hand_written_commands_alone()
    {
        var (exit, output, _) = Advscan("--help");
        Assert.Equal(CliApp.Success, exit);
        Assert.Contains("corruptions --model <model.onnx>", output);
        Assert.Contains("--only TEXT", output);
        Assert.DoesNotContain("  patch --model <model.onnx> --data <data> [--labels <labels>] [--data-root DIR] [--sample N]", output);
    }

    public void Dispose() => files.Dispose();
}
