using AdvScan.Engine;
using static TorchSharp.torch;

namespace AdvScan.Attacks;

/// <summary>
/// A differentiable classifier seen from the attacker's side: pixels in [0,1], NCHW, in; logits out. The mapping from
/// pixels to the model's own input (normalisation, layout, scale) happens inside, so budgets are always in pixel space.
/// </summary>
public interface IDifferentiableClassifier
{
    Device Device { get; }
    Tensor Logits(Tensor pixels);
}

/// <summary>An imported ONNX graph behind an optional differentiable pixel-to-input mapping.</summary>
/// <param name="logOfProbabilities">
/// The graph outputs probabilities (<see cref="ProbabilityOutputs"/>): attack their logarithm, the logits up to a
/// per-row constant, instead of putting a second softmax on top.
/// </param>
public sealed class GraphClassifier(OnnxGraph graph, Func<Tensor, Tensor>? toModelInput = null, bool logOfProbabilities = false) : IDifferentiableClassifier
{
    /// <summary>Below this a probability is treated as this, so its log stays finite (float32 softmax underflows near 1e-38).</summary>
    private const double Floor = 1e-30;

    public Device Device => graph.Device;

    public bool LogOfProbabilities => logOfProbabilities;

    public Tensor Logits(Tensor pixels)
    {
        var output = graph.forward(toModelInput is null ? pixels : toModelInput(pixels));
        return logOfProbabilities ? output.ClampedBelow(Floor).log() : output;
    }
}

/// <summary>
/// Scores a batch without gradients: the black-box view (ONNX Runtime in practice). Pixels are host floats in [0,1],
/// NCHW, row-major; the result is [count, classes] logits or probabilities, row-major.
/// </summary>
public interface IScoreOracle
{
    float[] Scores(float[] pixels, long[] shape);
}
