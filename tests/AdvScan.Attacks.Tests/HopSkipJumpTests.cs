using AdvScan.Attacks;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;

namespace AdvScan.Attacks.Tests;

public class HopSkipJumpTests
{
    /// <summary>Passes on only the predicted class, as a one-hot row: what an API that returns labels gives.</summary>
    private sealed class OneHot(IScoreOracle inner) : IScoreOracle
    {
        public float[] Scores(float[] pixels, long[] shape)
        {
            var scores = inner.Scores(pixels, shape);
            int n = (int)shape[0], classes = scores.Length / n;
            var result = new float[scores.Length];
            for (int i = 0; i < n; i++)
            {
                int best = 0;
                for (int c = 1; c < classes; c++) if (scores[i * classes + c] > scores[i * classes + best]) best = c;
                result[i * classes + best] = 1;
            }
            return result;
        }
    }

    [Fact]
    public void Hopskipjump_breaks_nine_in_ten_mnist_cnn_digits_within_l2_3_through_onnx_runtime_labels_in_5000_queries()
    {
        using var mnist = new MnistFixture("mnist-cnn.onnx", 30, seed: 11);
        using var session = ReferenceSession.Open(mnist.Model);
        var oracle = new RuntimeOracle(session);
        var result = new HopSkipJump().Attack(new OneHot(oracle), mnist.Pixels, mnist.Shape, mnist.Labels, new AttackSettings(Norm.L2, 3.0, Queries: 5000, Seed: 1));

        // Verdicts from ONNX Runtime directly, not from the attack's bookkeeping.
        int d = mnist.Pixels.Length / mnist.Count;
        var clean = Predict(oracle, mnist.Pixels, mnist.Shape);
        var adversarial = Predict(oracle, result.Adversarial, mnist.Shape);
        var correct = Enumerable.Range(0, mnist.Count).Where(i => clean[i] == mnist.Labels[i]).ToList();
        int broken = 0;
        foreach (var i in correct)
        {
            double l2 = Math.Sqrt(Enumerable.Range(0, d).Sum(p => Math.Pow(result.Adversarial[i * d + p] - mnist.Pixels[i * d + p], 2)));
            Assert.True(l2 <= 3.0 + 1e-4, $"digit {i} returned at L2 {l2:F3}, outside the budget");
            Assert.Equal(adversarial[i] != mnist.Labels[i], result.Fooled[i]);
            if (result.Fooled[i]) broken++;
            Assert.InRange(result.QueriesUsed[i], 1, 5000);
        }
        Assert.True(broken >= 0.9 * correct.Count, $"hopskipjump broke {broken} of {correct.Count} digits within L2 3.0");
    }

    [Theory]
    [InlineData(Norm.L2, 0.2)]
    [InlineData(Norm.LInf, 0.05)]
    public void Hopskipjump_on_a_linear_model_finds_only_real_adversarials_and_most_of_the_reachable_ones(Norm norm, double eps)
    {
        using var oracle = new LinearOracle(seed: 31, count: 60);
        using var session = ReferenceSession.Open(OnnxModel.Parse(oracle.ModelBytes, "linear.onnx"));
        var result = new HopSkipJump().Attack(new OneHot(new RuntimeOracle(session)), oracle.Pixels, oracle.Shape, oracle.Labels,
            new AttackSettings(norm, eps, Queries: 2000, Seed: 2));
        double reach = eps * (norm == Norm.LInf ? oracle.L1 : oracle.L2);
        var vulnerable = oracle.CorrectIndices.Where(i => Math.Abs(oracle.Margin(oracle.Pixels.AsSpan(i * 16, 16))) <= reach).ToHashSet();
        var found = oracle.CorrectIndices.Where(i => result.Fooled[i]).ToList();
        Assert.All(found, i => Assert.Contains(i, vulnerable));
        Assert.All(found, i => Assert.True(Math.Sign(oracle.Margin(result.Adversarial.AsSpan(i * 16, 16))) != Math.Sign(oracle.Margin(oracle.Pixels.AsSpan(i * 16, 16)))));
        Assert.True(found.Count >= 0.8 * vulnerable.Count, $"hopskipjump found {found.Count} of {vulnerable.Count} reachable examples");
    }

    [Fact]
    public void Hopskipjump_sees_the_same_thing_from_labels_as_from_logits()
    {
        using var oracle = new LinearOracle(seed: 32, count: 20);
        using var session = ReferenceSession.Open(OnnxModel.Parse(oracle.ModelBytes, "linear.onnx"));
        var settings = new AttackSettings(Norm.L2, 0.1, Queries: 500, Seed: 3);
        var fromLogits = new HopSkipJump().Attack(new RuntimeOracle(session), oracle.Pixels, oracle.Shape, oracle.Labels, settings);
        var fromLabels = new HopSkipJump().Attack(new OneHot(new RuntimeOracle(session)), oracle.Pixels, oracle.Shape, oracle.Labels, settings);
        Assert.Equal(fromLogits.Adversarial, fromLabels.Adversarial);
        Assert.Equal(fromLogits.QueriesUsed, fromLabels.QueriesUsed);
    }

    private static int[] Predict(IScoreOracle oracle, float[] pixels, long[] shape)
    {
        var scores = oracle.Scores(pixels, shape);
        int n = (int)shape[0], classes = scores.Length / n;
        return Enumerable.Range(0, n).Select(i => Enumerable.Range(0, classes).MaxBy(c => scores[i * classes + c])).ToArray();
    }
}
