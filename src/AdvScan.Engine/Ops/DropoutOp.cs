using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Ops;

internal static class DropoutOp
{
    /// <summary>
    /// Dropout is the identity (with an all-true mask) at inference, and also in training mode when the ratio is 0:
    /// torchvision's Swin exports its attention dropout that way (opset 12+: ratio and training_mode are inputs). A node
    /// that really drops (training mode, ratio above 0) is random, so no attack could be judged against it: refused.
    /// </summary>
    [OnnxOp("Dropout")]
    public static Tensor[] Dropout(NodeContext c)
    {
        var x = c.Input(0);
        if (c.Opset >= 12 && c.Has(2) && c.Input(2).numel() > 0)
        {
            bool training = c.Doubles(2)[0] != 0;
            double ratio = c.Has(1) && c.Input(1).numel() > 0 ? c.Doubles(1)[0] : 0.5;
            if (training && ratio != 0)
                throw c.Fail($"drops activations at random (training_mode on, ratio {ratio:G3}); export the model in eval mode");
        }
        else if (c.Opset < 7 && c.Int("is_test", 0) == 0 && c.Float("ratio", 0.5f) != 0)
        {
            throw c.Fail("drops activations at random (is_test 0); export the model in eval mode");
        }
        return c.OutputCount > 1 && c.Node.Output[1].Length > 0 ? [x.alias(), torch.ones_like(x, ScalarType.Bool)] : [x.alias()];
    }
}
