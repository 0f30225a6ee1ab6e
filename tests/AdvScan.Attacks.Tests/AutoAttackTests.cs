using AdvScan.Attacks;

namespace AdvScan.Attacks.Tests;

public class AutoAttackTests
{
    [Theory]
    [InlineData(Norm.LInf, 0.04)]
    [InlineData(Norm.L2, 0.25)]
    public void Autoattack_preset_reaches_the_exact_robust_count_of_the_dense_margin_linear_model(Norm norm, double eps)
    {
        using var oracle = new DenseMarginOracle(seed: 22);
        var outcome = DenseMarginTests.Run(new AutoAttack(), oracle, new AttackSettings(norm, eps, Steps: 100, Queries: 500, Seed: 6));
        DenseMarginTests.AssertExact(oracle, norm, eps, outcome, "autoattack");
    }

    [Fact]
    public void Apgd_t_reaches_the_exact_robust_count_of_the_dense_margin_linear_model()
    {
        using var oracle = new DenseMarginOracle(seed: 23);
        var outcome = DenseMarginTests.Run(new ApgdTargeted(), oracle, new AttackSettings(Norm.L2, 0.5, Steps: 100, Seed: 7));
        DenseMarginTests.AssertExact(oracle, Norm.L2, 0.5, outcome, "apgd-t");
    }

    [Fact]
    public void Autoattack_on_mnist_cnn_breaks_every_digit_that_any_single_attack_breaks()
    {
        // Small on purpose (30 digits, 20 iterations, two targets): per-example dominance does not need a long run.
        using var mnist = new MnistFixture("mnist-cnn.onnx", 30);
        var settings = new AttackSettings(Norm.LInf, 0.08, Steps: 20, Queries: 100, Seed: 3);
        var preset = mnist.Fooled(new AutoAttack { TargetClasses = 2 }, settings);
        var singles = new (string Name, bool[] Fooled)[]
        {
            ("pgd", mnist.Fooled(new Pgd(), settings)),
            ("fgsm", mnist.Fooled(new Fgsm(), settings)),
            ("apgd-ce", mnist.Fooled(new Apgd(), settings)),
            // Run alone with the seed the preset gives its APGD-T stage.
            ("apgd-t", mnist.Fooled(new ApgdTargeted { TargetClasses = 2 }, settings with { Seed = settings.Seed + 1 })),
            // Deterministic and per example: what it breaks alone, it breaks on the digits the preset hands it.
            ("fab-t", mnist.Fooled(new FabTargeted { TargetClasses = 2 }, settings)),
        };
        foreach (var (name, fooled) in singles)
        {
            var missed = Enumerable.Range(0, mnist.Count).Where(i => fooled[i] && !preset[i]).ToList();
            Assert.True(missed.Count == 0, $"{name} broke digits {string.Join(",", missed)} that autoattack did not");
        }
        Assert.True(preset.Count(f => f) > singles[0].Fooled.Count(f => f), "the ensemble should break more digits than PGD at a budget where PGD leaves some standing");
    }

    [Fact]
    public void Autoattack_on_mnist_robust_stays_within_a_few_points_of_pgd_40()
    {
        // Madry et al.'s model class: AutoAttack takes only a few points off PGD-40's robust accuracy at eps 0.3.
        using var mnist = new MnistFixture("mnist-robust.onnx", 30);
        var pgd = mnist.Fooled(new Pgd(), new AttackSettings(Norm.LInf, 0.3, Steps: 40, StepSize: 0.01, Seed: 1));
        var preset = mnist.Fooled(new AutoAttack { TargetClasses = 2 }, new AttackSettings(Norm.LInf, 0.3, Steps: 20, Queries: 50, Seed: 1));
        double pgdRobust = pgd.Count(f => !f) / (double)mnist.Count, presetRobust = preset.Count(f => !f) / (double)mnist.Count;
        Assert.True(presetRobust <= pgdRobust, $"autoattack {presetRobust:P0} must not be weaker than PGD-40 {pgdRobust:P0}");
        Assert.True(presetRobust >= pgdRobust - 0.1, $"autoattack {presetRobust:P0} vs PGD-40 {pgdRobust:P0}: more than a few points apart");
        Assert.True(pgdRobust >= 0.8, $"mnist-robust keeps {pgdRobust:P0} under PGD-40, far below its published 89%");
    }
}
