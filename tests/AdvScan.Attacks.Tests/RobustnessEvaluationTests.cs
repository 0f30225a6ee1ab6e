using AdvScan.Attacks;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;

namespace AdvScan.Attacks.Tests;

public class RobustnessEvaluationTests
{
    private static IEnumerable<LabeledBatch> Batches(LinearOracle oracle, int size)
    {
        for (int start = 0; start < oracle.Count; start += size)
        {
            int count = Math.Min(size, oracle.Count - start);
            yield return new LabeledBatch(oracle.Pixels[(start * 16)..((start + count) * 16)], [count, 1, 4, 4], oracle.Labels[start..(start + count)]);
        }
    }

    private static RobustnessResult Evaluate(LinearOracle oracle, IEvasionAttack attack, Norm norm, double[] epsilons)
    {
        using var session = ReferenceSession.Open(OnnxModel.Parse(oracle.ModelBytes, "linear.onnx"));
        return new RobustnessEvaluation(session, PixelMapping.Identity)
            .Run(attack, oracle.Graph, new AttackSettings(norm, Steps: 20, Seed: 5), epsilons, Batches(oracle, 64));
    }

    [Fact]
    public void Curve_matches_the_exact_linf_curve_of_a_linear_model_as_judged_by_onnx_runtime()
    {
        using var oracle = new LinearOracle(seed: 11);
        var result = Evaluate(oracle, new Pgd(), Norm.LInf, [0.0, 0.05, 0.1, 0.2]);
        foreach (var point in result.Curve)
            Assert.Equal(oracle.ExactRobustAccuracy(Norm.LInf, point.Epsilon), point.RobustAccuracy.Value, 6);
    }

    [Fact]
    public void Zero_budget_point_equals_clean_accuracy()
    {
        using var oracle = new LinearOracle(seed: 12);
        var point = Evaluate(oracle, new Fgsm(), Norm.LInf, [0.0, 0.1]).Curve[0];
        Assert.Equal(point.CleanAccuracy.Value, point.RobustAccuracy.Value);
    }

    [Fact]
    public void Curve_is_non_increasing_in_the_budget()
    {
        using var oracle = new LinearOracle(seed: 13);
        var curve = Evaluate(oracle, new Fgsm(), Norm.LInf, [0.2, 0.0, 0.02, 0.05, 0.1]).Curve;
        Assert.Equal([0.0, 0.02, 0.05, 0.1, 0.2], curve.Select(p => p.Epsilon));
        for (int i = 1; i < curve.Count; i++) Assert.True(curve[i].RobustAccuracy.Value <= curve[i - 1].RobustAccuracy.Value);
    }

    [Fact]
    public void Graph_and_runtime_agree_on_every_adversarial_example_of_a_linear_model()
    {
        using var oracle = new LinearOracle(seed: 14);
        var result = Evaluate(oracle, new Pgd(), Norm.LInf, [0.05, 0.1]);
        Assert.All(result.Curve, p => Assert.Equal(0, p.RuntimeDisagreements));
    }

    [Fact]
    public void Reported_perturbations_respect_the_budget()
    {
        using var oracle = new LinearOracle(seed: 15);
        var result = Evaluate(oracle, new Pgd(), Norm.LInf, [0.1]);
        Assert.InRange(result.Curve[0].MedianPerturbation, 0.0, 0.1 + 1e-6);
        Assert.True(result.Curve[0].AttackSuccess.Successes > 0);
    }

    [Fact]
    public void Median_minimal_l2_counts_examples_already_broken_at_a_smaller_budget()
    {
        using var oracle = new LinearOracle(seed: 17, count: 40);
        var exact = oracle.CorrectIndices.Select(oracle.ExactMinimalL2).Order().ToArray();
        double exactMedian = exact.Length % 2 == 1 ? exact[exact.Length / 2] : (exact[exact.Length / 2 - 1] + exact[exact.Length / 2]) / 2;
        using var session = ReferenceSession.Open(OnnxModel.Parse(oracle.ModelBytes, "linear.onnx"));

        // The first budget breaks about half; the second attacks only the rest, whose minimal norms are all larger.
        var result = new RobustnessEvaluation(session, PixelMapping.Identity).Run(new CarliniWagner { BinarySearchSteps = 8 }, oracle.Graph,
            new AttackSettings(Norm.L2, Steps: 200, Seed: 5), [exactMedian, 100.0], Batches(oracle, 64));

        Assert.Equal(0, result.Curve[^1].RobustAccuracy.Successes);
        Assert.InRange(result.MedianMinimalL2!.Value, exactMedian * 0.999, exactMedian * 1.05 + 1e-3);
    }

    [Fact]
    public void Unsupported_norm_for_an_attack_is_a_clear_error()
    {
        using var oracle = new LinearOracle(seed: 16);
        var error = Assert.Throws<InvalidInputException>(() => Evaluate(oracle, new CarliniWagner(), Norm.LInf, [0.1]));
        Assert.Contains("cw", error.Message);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void Linf_budget_outside_unit_interval_is_rejected(double eps)
    {
        using var oracle = new LinearOracle(seed: 17);
        var error = Assert.Throws<InvalidInputException>(() => Evaluate(oracle, new Pgd(), Norm.LInf, [eps]));
        Assert.Contains("eps", error.Message);
    }
}

public class ProportionTests
{
    [Fact]
    public void Wilson_interval_contains_the_estimate_and_stays_in_unit_range()
    {
        var p = Proportion.Of(98, 100);
        Assert.InRange(p.Value, p.Lower, p.Upper);
        Assert.InRange(p.Upper, 0.98, 1.0);
        Assert.Equal(0.9296, p.Lower, 3);
    }

    [Fact]
    public void Wilson_interval_at_zero_successes_is_not_degenerate()
    {
        var p = Proportion.Of(0, 50);
        Assert.Equal(0, p.Lower);
        Assert.True(p.Upper > 0.05 && p.Upper < 0.1);
    }
}
