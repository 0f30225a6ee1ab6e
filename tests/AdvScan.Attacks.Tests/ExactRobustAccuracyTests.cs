using AdvScan.Attacks;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks.Tests;

public class ExactRobustAccuracyTests
{
    private static double Attack(IEvasionAttack attack, LinearOracle oracle, Norm norm, double eps, int steps = 20, double? stepSize = null)
    {
        using var scope = torch.NewDisposeScope();
        var result = attack.Attack(new GraphClassifier(oracle.Graph), oracle.PixelTensor(), oracle.LabelTensor(),
            new AttackSettings(norm, eps, Steps: steps, StepSize: stepSize, Seed: 3));
        return oracle.RobustAccuracy(result);
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.1)]
    [InlineData(0.2)]
    public void Fgsm_reaches_the_exact_linf_robust_accuracy_of_a_linear_model(double eps)
    {
        using var oracle = new LinearOracle(seed: 1);
        Assert.Equal(oracle.ExactRobustAccuracy(Norm.LInf, eps), Attack(new Fgsm(), oracle, Norm.LInf, eps), 6);
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.2)]
    public void Pgd_reaches_the_exact_linf_robust_accuracy_of_a_linear_model(double eps)
    {
        using var oracle = new LinearOracle(seed: 2);
        Assert.Equal(oracle.ExactRobustAccuracy(Norm.LInf, eps), Attack(new Pgd(), oracle, Norm.LInf, eps), 6);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.2)]
    public void Pgd_reaches_the_exact_l2_robust_accuracy_of_a_linear_model(double eps)
    {
        using var oracle = new LinearOracle(seed: 3);
        // From a random start on the L2 sphere the angle to the optimal direction shrinks by eps / (eps + step) per
        // step, so the usual L2 step of eps/4 leaves 0.8^40 of it after 40 steps: exact to far below the test margin.
        Assert.Equal(oracle.ExactRobustAccuracy(Norm.L2, eps), Attack(new Pgd(), oracle, Norm.L2, eps, steps: 40, stepSize: eps / 4), 6);
    }

    [Fact]
    public void Fgm_reaches_the_exact_l2_robust_accuracy_of_a_linear_model()
    {
        using var oracle = new LinearOracle(seed: 4);
        Assert.Equal(oracle.ExactRobustAccuracy(Norm.L2, 0.2), Attack(new Fgsm(), oracle, Norm.L2, 0.2), 6);
    }

    [Theory]
    [InlineData(Norm.LInf, 0.1)]
    [InlineData(Norm.L2, 0.2)]
    public void Apgd_reaches_the_exact_robust_accuracy_of_a_linear_model(Norm norm, double eps)
    {
        using var oracle = new LinearOracle(seed: 5);
        Assert.Equal(oracle.ExactRobustAccuracy(norm, eps), Attack(new Apgd(), oracle, norm, eps), 6);
    }

    [Fact]
    public void Zero_budget_leaves_exactly_the_clean_accuracy()
    {
        using var oracle = new LinearOracle(seed: 6);
        double clean = oracle.CorrectIndices.Count() / (double)oracle.Count;
        Assert.Equal(clean, Attack(new Pgd(), oracle, Norm.LInf, 0.0), 6);
    }

    [Fact]
    public void Carlini_wagner_finds_the_exact_minimal_l2_distance_of_a_linear_model()
    {
        using var oracle = new LinearOracle(seed: 7, count: 40);
        using var scope = torch.NewDisposeScope();
        var attack = new CarliniWagner { BinarySearchSteps = 8, LearningRate = 0.05 };
        var result = attack.Attack(new GraphClassifier(oracle.Graph), oracle.PixelTensor(), oracle.LabelTensor(),
            new AttackSettings(Norm.L2, 10, Steps: 200, Seed: 1));
        foreach (var i in oracle.CorrectIndices)
        {
            double exact = oracle.ExactMinimalL2(i);
            // Never below the true minimum (that would be an invalid adversarial), and within 5% above it.
            Assert.InRange(result.MinimalL2![i], exact * 0.999, exact * 1.05 + 1e-3);
        }
    }

    [Fact]
    public void Square_attack_through_onnx_runtime_finds_only_real_adversarials_and_most_of_them()
    {
        using var oracle = new LinearOracle(seed: 8, count: 60);
        using var session = ReferenceSession.Open(OnnxModel.Parse(oracle.ModelBytes, "linear.onnx"));
        double eps = 0.1;
        var result = new SquareAttack { InitialFraction = 0.3 }.Attack(new RuntimeOracle(session), oracle.Pixels, oracle.Shape, oracle.Labels,
            new AttackSettings(Norm.LInf, eps, Queries: 1000, Seed: 2));
        var vulnerable = oracle.CorrectIndices.Where(i => Math.Abs(oracle.Margin(oracle.Pixels.AsSpan(i * 16, 16))) <= eps * oracle.L1).ToHashSet();
        var found = oracle.CorrectIndices.Where(i => result.Fooled[i]).ToList();
        Assert.All(found, i => Assert.Contains(i, vulnerable));
        Assert.True(found.Count >= 0.9 * vulnerable.Count, $"square found {found.Count} of {vulnerable.Count} vulnerable examples");
        for (int i = 0; i < oracle.Pixels.Length; i++)
            Assert.InRange(result.Adversarial[i] - oracle.Pixels[i], -eps - 1e-6, eps + 1e-6);
    }
}
