using AdvScan.Attacks;
using AdvScan.Reporting;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Scanning.Tests;

/// <summary>
/// A toy attack and a toy check defined here, outside src/, plug into configs, gates and every report through their
/// DI registrations alone: the proof that the extension model needs no change under src/ for a new check.
/// </summary>
public sealed class PluginCheckTests : IDisposable
{
    /// <summary>Moves every pixel by eps towards 1 (a known, weak perturbation); reads only "steps", to prove keys are per attack.</summary>
    private sealed class Brighten : IEvasionAttack
    {
        public string Name => "brighten";
        public IReadOnlyList<Norm> Norms { get; } = [Norm.LInf];
        public IReadOnlyList<string> Keys { get; } = [AttackKeys.Steps];
        public string Describe(AttackSettings settings) => AttackKeys.Describe(settings, "adds eps to every pixel");

        public AttackBatchResult Attack(IDifferentiableClassifier model, Tensor pixels, Tensor labels, AttackSettings settings, CancellationToken cancellationToken = default)
        {
            using var _ = torch.no_grad();
            var adversarial = (pixels + settings.Epsilon).clamp(0, 1);
            return new AttackBatchResult(adversarial, model.Logits(adversarial).argmax(1).ne(labels), 0, 0);
        }
    }

    private sealed record ClassShareSettings(int Class) : CheckSettings
    {
        public override string Describe() => $"share of class {Class} in this shard's sample";
    }

    /// <summary>Counts how many sampled examples carry one label: a figure whose exact value the test knows from the labels.</summary>
    private sealed class ClassShare : IScanCheck
    {
        public static readonly GateRule Rule = new("ADV9001", "ClassShareTooHigh", "One class dominates the sample.",
            "The share of sampled examples of the configured class exceeds the threshold.", "Sample more evenly.");

        public string Name => "class-share";
        public string Summary => "The share of the sample that carries one label.";
        public IReadOnlyList<ConfigKey> Keys { get; } = [new("class", "integer", "The class to count.", "0")];
        public IReadOnlyList<MetricDefinition> Metrics { get; } = [new("classShare", MetricDirection.LowerIsBetter, MetricUnit.Proportion, Rule, "class share")];

        public CheckSettings Configure(ConfigSection section) => new ClassShareSettings(section.Int("class", min: 0) ?? 0);

        public CheckReport Run(CheckContext context, CheckSettings settings)
        {
            var s = (ClassShareSettings)settings;
            int hits = context.Indices.Count(i => context.Dataset.Labels[i] == s.Class);
            var share = Proportion.Of(hits, context.Indices.Count);
            var finding = new CheckFinding(Rule, FindingLevel.Warning, $"class {s.Class} is {hits} of {context.Indices.Count} sampled examples", [s.Class],
                [new SampleRef(context.Indices[0], $"example {context.Indices[0]}", 1)]);
            var image = new ReportImage("first example", "a sampled digit", context.Read([context.Indices[0]]).First().Pixels, [1, 28, 28]);
            return CheckReport.Of("", Name, s.Describe(), [MetricValue.Of("classShare", share)]) with
            {
                Findings = [finding],
                Tables = [new ReportTable("counts", ["class", "examples"], [[s.Class.ToString(System.Globalization.CultureInfo.InvariantCulture), hits.ToString(System.Globalization.CultureInfo.InvariantCulture)]])],
                Images = [image],
            };
        }
    }

    private readonly ConfigFiles files = new();

    private const string Config = """
          "attacks": [ { "attack": "brighten", "eps": [0.05], "steps": 1 } ],
          "checks": [ { "check": "class-share", "id": "zeros", "class": 0 } ],
          "gates": [
            { "metric": "classShare", "check": "zeros", "max": 0.05 },
            { "metric": "robustAccuracy", "attack": "brighten", "min": 0.5 }
          ]
        """;

    private static ServiceProvider Services()
    {
        var services = new ServiceCollection().AddAdvScanScanner().AddAdvScanReporters();
        services.AddSingleton<IEvasionAttack, Brighten>();
        services.AddSingleton<IScanCheck, ClassShare>();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task A_toy_attack_and_check_registered_outside_src_are_configured_gated_and_reported_in_every_format()
    {
        using var provider = Services();
        var scanner = provider.GetRequiredService<Scanner>();
        var path = files.Write("plugins.json", Config, sampleSize: 40);
        var config = ScanConfigReader.Load(path, scanner.Registry);

        var report = scanner.Run(config);

        // The sample is stratified over 10 classes: exactly 4 of 40 are zeros, so the share 0.10 fails a 0.05 maximum.
        var check = Assert.Single(report.Checks);
        Assert.Equal("zeros", check.Id);
        Assert.Equal(Proportion.Of(4, 40), check.Metrics[0].Proportion);
        var gate = report.Gates[0];
        Assert.Equal(GateStatus.Fail, gate.Status);
        Assert.Equal("ADV9001", gate.Rule.Id);
        Assert.Equal(ConfigFiles.LineOf(path, "\"classShare\""), gate.Gate.Line);
        Assert.Equal("L-inf, adds eps to every pixel", report.Attacks[0].Description);

        var outputs = new Dictionary<string, string>();
        foreach (var reporter in provider.GetServices<IReporter>())
        {
            using var stream = new MemoryStream();
            await reporter.WriteAsync(report, stream);
            outputs[reporter.Format] = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        }
        Assert.Contains("\"classShare\"", outputs["json"]);
        Assert.Contains("\"check\": \"class-share\"", outputs["json"]);
        Assert.Contains("class 0 is 4 of 40 sampled examples", outputs["json"]);
        Assert.Contains("\"id\": \"ADV9001\"", outputs["sarif"]);
        Assert.Contains("class 0 is 4 of 40 sampled examples", outputs["sarif"]);
        var schema = await NJsonSchema.JsonSchema.FromFileAsync(Path.Combine(AppContext.BaseDirectory, "Sarif", "sarif-2.1.0.json"));
        Assert.Empty(schema.Validate(outputs["sarif"]));
        Assert.Contains("Check zeros: class-share", outputs["html"]);
        Assert.Contains("data:image/png;base64,", outputs["html"]);
        Assert.Contains("share of class 0 in this shard", outputs["markdown"]);
        Assert.Contains("ADV9001", outputs["markdown"]);

        // The JSON reads back with the check intact, and a merge of that one shard re-judges its gate the same way.
        var read = ScanReportJson.Read(outputs["json"]);
        Assert.Equal(check.Metrics[0].Proportion, read.Checks[0].Metrics[0].Proportion);
        Assert.Equal(GateStatus.Fail, ShardMerger.Merge([read]).Gates[0].Status);
    }

    [Fact]
    public void A_key_the_check_does_not_declare_is_rejected_on_its_line()
    {
        using var provider = Services();
        var path = files.Write("bad-key.json", """
              "checks": [ { "check": "class-share", "clas": 0 } ]
            """);
        var e = Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(path, provider.GetRequiredService<Scanner>().Registry));
        Assert.Equal(ConfigFiles.LineOf(path, "\"clas\""), e.Line);
        Assert.Contains("unknown property \"clas\"", e.Problem);
    }

    [Fact]
    public void A_gate_on_a_metric_nobody_registered_fails_on_its_line_listing_the_known_ones()
    {
        using var provider = Services();
        var path = files.Write("bad-metric.json", """
              "gates": [ { "metric": "classShares", "max": 0.1 } ]
            """);
        var e = Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(path, provider.GetRequiredService<Scanner>().Registry));
        Assert.Equal(ConfigFiles.LineOf(path, "classShares"), e.Line);
        Assert.Contains("unknown metric 'classShares'", e.Problem);
        Assert.Contains("classShare, cleanAccuracy", e.Problem);
    }

    public void Dispose() => files.Dispose();
}
