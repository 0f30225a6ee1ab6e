using AdvScan.Attacks;
using AdvScan.Checks.Masking;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Checks.Tests.Masking;

public class MaskingCheckTests
{
    private static ScanReport Scan(string model, int sample, params AttackConfig[] attacks)
    {
        using var provider = new ServiceCollection().AddAdvScanScanner().AddAdvScanChecks().BuildServiceProvider();
        var config = ScanConfig.Create(model, MaskedModels.PathOf("mnist-test-images-idx3-ubyte"), MaskedModels.PathOf("mnist-test-labels-idx1-ubyte")) with
        {
            SampleSize = sample,
            Seed = 7,
            Attacks = attacks,
            Checks = [new CheckConfig("masking", "masking", new MaskingSettings(Examples: sample))],
        };
        return provider.GetRequiredService<Scanner>().Run(config);
    }

    private static HashSet<string> Flags(ScanReport report) =>
        Assert.Single(report.Checks).Findings.Select(f => f.Rule.Id).ToHashSet();

    private static AttackConfig Attack(string name, Norm norm, double[] eps, int steps = 20, int queries = 300) =>
        new(name, name, eps, new AttackSettings(norm, Steps: steps, Queries: queries));

    [Fact]
    public void Mnist_cnn_scanned_with_white_and_black_box_attacks_raises_no_masking_flag()
    {
        var report = Scan(MaskedModels.PathOf("mnist-cnn.onnx"), 30,
            Attack("pgd", Norm.LInf, [0, 0.05, 0.1]), Attack("square", Norm.LInf, [0.05, 0.1], queries: 200));
        var check = Assert.Single(report.Checks);
        Assert.True(check.Findings.Count == 0, string.Join("; ", check.Findings.Select(f => f.Message)));
        Assert.Equal(0, check.Metrics.Single(m => m.Metric == "zeroGradientShare").Proportion!.Value.Successes);
        // Every probe ran: randomness, output kind, gradients, the per-budget PGD probe, eps 0, and square vs pgd at both budgets.
        Assert.Equal(7, check.Tables.Single().Rows.Count);
    }

    [Fact]
    public void A_saturating_softmax_head_is_flagged_for_probabilities_zero_gradients_and_a_hard_label_attack_beating_pgd()
    {
        var model = MaskedModels.SaturatingSoftmax("mnist-cnn.onnx", 1e4f);
        var report = Scan(model, 20, Attack("pgd", Norm.L2, [1.0, 3.0], steps: 10), Attack("hopskipjump", Norm.L2, [3.0], queries: 1000));
        var flags = Flags(report);
        Assert.Contains(DiagnosticIds.MaskingProbabilityOutputs, flags);
        Assert.Contains(DiagnosticIds.MaskingZeroGradients, flags);
        Assert.Contains(DiagnosticIds.MaskingBlackBoxStronger, flags);
        Assert.DoesNotContain(DiagnosticIds.MaskingRandomisedModel, flags);
        Assert.DoesNotContain(DiagnosticIds.MaskingZeroBudget, flags);
        Assert.All(report.Checks[0].Findings, f => Assert.Equal(FindingLevel.Warning, f.Level));
    }

    [Fact]
    public void An_input_purifier_that_opens_with_the_perturbation_is_flagged_for_robust_accuracy_rising_with_eps()
    {
        var model = MaskedModels.PurifyingInput("mnist-cnn.onnx", 0.1f, 100f);
        var report = Scan(model, 40, Attack("pgd", Norm.LInf, [0.1, 0.3], steps: 10));
        var flags = Flags(report);
        Assert.True(flags.Contains(DiagnosticIds.MaskingNonMonotone), string.Join(" | ", report.Checks[0].Tables.Single().Rows.Select(r => string.Join(";", r))));
        var row = report.Checks[0].Tables.Single().Rows.Single(r => r[0].EndsWith("PGD per budget"));
        Assert.Equal("flagged", row[2]);
        Assert.Contains("eps 0.3", row[1]);
    }

    [Fact]
    public void Quantised_input_is_flagged_for_zero_gradients_only()
    {
        var report = Scan(MaskedModels.QuantisedInput("mnist-cnn.onnx", 4), 30);
        Assert.Equal([DiagnosticIds.MaskingZeroGradients], Flags(report));
    }

    [Fact]
    public void A_model_with_input_noise_is_flagged_as_randomised_and_its_eps_0_point_differs_from_clean_accuracy()
    {
        // RandomNormalLike has no differentiable import: the gradient probe is skipped, the runtime probes still run.
        var report = Scan(MaskedModels.NoisyInput("mnist-cnn.onnx", 0.5f), 40, Attack("square", Norm.LInf, [0.0]));
        var flags = Flags(report);
        Assert.Contains(DiagnosticIds.MaskingRandomisedModel, flags);
        Assert.Contains(DiagnosticIds.MaskingZeroBudget, flags);
        Assert.Contains(report.Checks[0].Tables.Single().Rows, r => r[0] == "gradients" && r[2] == "skipped");
    }

    [Fact]
    public void Masking_keys_are_read_and_checked_on_their_line()
    {
        var check = new MaskingCheck();
        var settings = (MaskingSettings)check.Configure(ConfigSection.Parse("a.json", """{ "check": "masking", "examples": 16, "zeroGradientShare": 0.2 }"""));
        Assert.Equal(new MaskingSettings(16, 0.2), settings);
        var e = Assert.Throws<InvalidInputException>(() => check.Configure(ConfigSection.Parse("a.json", "{\n \"check\": \"masking\",\n \"zeroGradientShare\": 2 }")));
        Assert.Equal(3, e.Line);
    }
}
