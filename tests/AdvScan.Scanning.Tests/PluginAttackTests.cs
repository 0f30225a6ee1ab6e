using AdvScan.Attacks;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Scanning.Tests;

/// <summary>A new attack plugs in by implementing <see cref="IEvasionAttack"/> and registering it in DI; nothing else changes.</summary>
public sealed class PluginAttackTests : IDisposable
{
    /// <summary>Returns every example unchanged: the one attack whose robust accuracy is known, equal to clean accuracy.</summary>
    private sealed class UnchangedInput : IEvasionAttack
    {
        public string Name => "unchanged";
        public IReadOnlyList<Norm> Norms { get; } = [Norm.LInf];
        public IReadOnlyList<string> Keys { get; } = [];
        public string Describe(AttackSettings settings) => "returns its input";

        public AttackBatchResult Attack(IDifferentiableClassifier model, Tensor pixels, Tensor labels, AttackSettings settings, CancellationToken cancellationToken = default)
        {
            using var _ = torch.no_grad();
            var fooled = model.Logits(pixels).argmax(1).ne(labels);
            return new AttackBatchResult(pixels.clone(), fooled, 0, 0);
        }
    }

    private readonly ConfigFiles files = new();

    private const string Config = """
          "attacks": [ { "attack": "unchanged", "eps": [0.1] } ],
          "gates": [ { "metric": "robustAccuracy", "attack": "unchanged", "min": 0.5 } ]
        """;

    [Fact]
    public void A_registered_attack_is_accepted_by_the_config_and_run_by_the_scanner()
    {
        var services = new ServiceCollection().AddAdvScanScanner();
        services.AddSingleton<IEvasionAttack, UnchangedInput>();
        using var provider = services.BuildServiceProvider();
        var scanner = provider.GetRequiredService<Scanner>();
        var config = ScanConfigReader.Load(files.Write("plugin.json", Config, sampleSize: 60), scanner.Registry);

        var report = scanner.Run(config);

        var point = Assert.Single(Assert.Single(report.Attacks).Result.Curve);
        // Nothing was perturbed, so exactly the correctly classified examples survive.
        Assert.Equal(report.CleanAccuracy.Successes, point.RobustAccuracy.Successes);
        Assert.Equal(report.CleanAccuracy.Trials, point.RobustAccuracy.Trials);
        Assert.Equal(0, point.RuntimeDisagreements);
    }

    [Fact]
    public void Without_the_registration_the_same_config_is_an_unknown_attack_on_its_line()
    {
        using var provider = new ServiceCollection().AddAdvScanScanner().BuildServiceProvider();
        var path = files.Write("no-plugin.json", Config);
        var e = Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(path, provider.GetRequiredService<Scanner>().Registry));
        Assert.Equal(ConfigFiles.LineOf(path, "\"unchanged\", \"eps\""), e.Line);
    }

    public void Dispose() => files.Dispose();
}
