using AdvScan.Attacks;
using AdvScan.Runtime;

namespace AdvScan.Scanning;

/// <summary>ONNX Runtime as the black-box score oracle, behind an optional host-side pixel-to-input mapping.</summary>
public sealed class RuntimeOracle(ReferenceSession session, Func<float[], long[], (float[] Data, long[] Shape)>? toModelInput = null) : IScoreOracle
{
    public long QueryCount { get; private set; }

    public float[] Scores(float[] pixels, long[] shape)
    {
        QueryCount += shape[0];
        var (data, inputShape) = toModelInput is null ? (pixels, shape) : toModelInput(pixels, shape);
        return Predictions.Scores(session, new HostTensor(data, inputShape), inputShape[0]);
    }
}
