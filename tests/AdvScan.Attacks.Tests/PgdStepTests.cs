using AdvScan.Engine;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Attacks.Tests;

/// <summary>
/// PGD's steps are taken in place (sign, add, clamp to the ball's box) to spare a batch-sized allocation per operation;
/// the points they reach must be the ones the textbook loop reaches.
/// </summary>
public class PgdStepTests
{
    /// <summary>Madry et al.'s loop written plainly: x &lt;- clip_[0,1](clip_[x0-eps, x0+eps](x + alpha sign(grad CE))).</summary>
    private static Tensor PlainPgd(GraphClassifier model, Tensor clean, Tensor labels, double eps, double alpha, int steps)
    {
        var x = clean.clone();
        for (int i = 0; i < steps; i++)
        {
            var input = x.detach().requires_grad_(true);
            var gradient = torch.autograd.grad([F.cross_entropy(model.Logits(input), labels, reduction: nn.Reduction.Sum)], [input])[0];
            var stepped = x + gradient.sign() * alpha;
            x = torch.minimum(torch.maximum(stepped, clean - eps), clean + eps).clamp(0.0, 1.0).detach();
        }
        return x;
    }

    [Theory]
    [InlineData(0.1, 0.02, 10)]
    [InlineData(0.3, 0.05, 7)]
    public void Pgd_craft_reaches_the_points_of_the_plain_signed_gradient_loop(double eps, double alpha, int steps)
    {
        using var mnist = new MnistFixture("mnist-cnn.onnx", 24);
        using var scope = torch.NewDisposeScope();
        var model = new GraphClassifier(mnist.Graph);
        var clean = mnist.PixelTensor();
        var labels = mnist.LabelTensor();
        var settings = new AttackSettings(Norm.LInf, eps, steps, alpha, RandomStart: false, Seed: 1);

        var crafted = Pgd.Craft(model, clean, labels, settings);
        var plain = PlainPgd(model, clean, labels, eps, alpha, steps);

        // Rounding differs by an ulp where clean + eps meets the box, nowhere else.
        Assert.True((crafted - plain).abs().max().item<float>() <= 1e-6f, "Craft's points differ from the plain loop's");
        Assert.True((crafted - clean).abs().max().item<float>() <= eps + 1e-6, "outside the eps-ball");
        Assert.True(crafted.min().item<float>() >= 0 && crafted.max().item<float>() <= 1, "outside [0,1]");
        // The steps moved the points: a loop that did nothing would match a plain loop that did nothing.
        Assert.True((crafted - clean).abs().max().item<float>() >= eps - 1e-6);
        Assert.Equal(clean.data<float>().ToArray(), mnist.PixelTensor().data<float>().ToArray());
    }

    [Fact]
    public void Pgd_with_early_stopping_fools_the_examples_the_plain_loop_fools()
    {
        using var mnist = new MnistFixture("mnist-cnn.onnx", 40);
        using var scope = torch.NewDisposeScope();
        var model = new GraphClassifier(mnist.Graph);
        var clean = mnist.PixelTensor();
        var labels = mnist.LabelTensor();
        const double eps = 0.1, alpha = 0.02;
        const int steps = 10;

        var plain = PlainPgd(model, clean, labels, eps, alpha, steps);
        Tensor plainFooled;
        using (torch.no_grad()) plainFooled = model.Logits(plain).argmax(1).ne(labels);
        var result = new Pgd().Attack(model, clean, labels, new AttackSettings(Norm.LInf, eps, steps, alpha, RandomStart: false, Seed: 1));

        // Early stopping keeps a fooled example's first fooling iterate, so every example the plain loop's last iterate
        // fools was fooled on the way (or by the final re-aimed step, which only adds).
        var missed = plainFooled.logical_and(result.Fooled.logical_not()).sum().item<long>();
        Assert.Equal(0L, missed);
        Assert.InRange(plainFooled.sum().item<long>(), 1L, mnist.Count - 1);
        Assert.True((result.Adversarial - clean).abs().max().item<float>() <= eps + 1e-6);
    }
}
