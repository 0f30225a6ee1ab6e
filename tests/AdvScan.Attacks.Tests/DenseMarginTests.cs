using AdvScan.Attacks;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks.Tests;

/// <summary>
/// Attacks run as a new user runs them (random start, the default step size, default steps) on a linear model whose
/// margins crowd around the budgets: each must reach the closed-form robust count within one example of 500, and every
/// example it calls fooled must really be fooled inside the ball (checked in double precision, not by the attack).
/// </summary>
public class DenseMarginTests
{
    private static DenseMarginOracle? shared;
    private static DenseMarginOracle Oracle => shared ??= new DenseMarginOracle(seed: 21);

    internal static (int Robust, bool[] Fooled, float[] Adversarial) Run(IEvasionAttack attack, DenseMarginOracle oracle, AttackSettings settings)
    {
        using var scope = torch.NewDisposeScope();
        var result = attack.Attack(new GraphClassifier(oracle.Graph), oracle.PixelTensor(), oracle.LabelTensor(), settings);
        var fooled = result.Fooled.data<bool>().ToArray();
        return (oracle.RobustCount(fooled), fooled, result.Adversarial.contiguous().data<float>().ToArray());
    }

    internal static void AssertExact(DenseMarginOracle oracle, Norm norm, double eps, (int Robust, bool[] Fooled, float[] Adversarial) outcome, string attack)
    {
        int exact = oracle.ExactRobustCount(norm, eps);
        Assert.True(oracle.Borderline(norm, eps) >= 20, "the oracle must crowd margins around this budget");
        Assert.True(Math.Abs(outcome.Robust - exact) <= 1,
            $"{attack} {norm} eps {eps}: {outcome.Robust} of {oracle.Count} robust, exact {exact} ({oracle.Borderline(norm, eps)} borderline)");
        int f = DenseMarginOracle.Features;
        for (int i = 0; i < oracle.Count; i++)
        {
            if (!outcome.Fooled[i] || !oracle.Correct(i)) continue;
            var adversarial = outcome.Adversarial.AsSpan(i * f, f);
            var clean = oracle.Pixels.AsSpan(i * f, f);
            double size = 0;
            for (int k = 0; k < f; k++)
                size = norm == Norm.LInf ? Math.Max(size, Math.Abs(adversarial[k] - clean[k])) : size + Math.Pow(adversarial[k] - clean[k], 2);
            Assert.True((norm == Norm.LInf ? size : Math.Sqrt(size)) <= eps * (1 + 1e-5) + 1e-6, $"{attack}: example {i} leaves the ball");
            Assert.True(Math.Sign(oracle.Margin(adversarial)) != Math.Sign(oracle.Margin(clean)), $"{attack}: example {i} is not really fooled");
        }
    }

    public static TheoryData<Norm, double> Budgets()
    {
        var data = new TheoryData<Norm, double>();
        foreach (var e in DenseMarginOracle.LInfBudgets) data.Add(Norm.LInf, e);
        foreach (var e in DenseMarginOracle.L2Budgets) data.Add(Norm.L2, e);
        return data;
    }

    [Theory]
    [MemberData(nameof(Budgets))]
    public void Pgd_with_random_start_and_default_step_reaches_the_exact_robust_count_when_margins_crowd_the_budget(Norm norm, double eps) =>
        AssertExact(Oracle, norm, eps, Run(new Pgd(), Oracle, new AttackSettings(norm, eps, Seed: 3)), "pgd");

    [Theory]
    [MemberData(nameof(Budgets))]
    public void Pgd_with_few_steps_still_reaches_the_exact_robust_count(Norm norm, double eps) =>
        AssertExact(Oracle, norm, eps, Run(new Pgd(), Oracle, new AttackSettings(norm, eps, Steps: 10, Seed: 4)), "pgd-10");

    [Theory]
    [MemberData(nameof(Budgets))]
    public void Apgd_with_random_start_reaches_the_exact_robust_count_when_margins_crowd_the_budget(Norm norm, double eps) =>
        AssertExact(Oracle, norm, eps, Run(new Apgd(), Oracle, new AttackSettings(norm, eps, Seed: 5)), "apgd");
}
