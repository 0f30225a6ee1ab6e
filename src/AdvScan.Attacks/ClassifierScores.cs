using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks;

/// <summary>A differentiable classifier's logits as a black-box score oracle (no gradients), for score-based stages of an ensemble.</summary>
public sealed class ClassifierScores(IDifferentiableClassifier model) : IScoreOracle
{
    public float[] Scores(float[] pixels, long[] shape)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var logits = model.Logits(torch.tensor(pixels, shape).to(model.Device));
        return logits.cpu().contiguous().data<float>().ToArray();
    }
}
