using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine;

/// <summary>
/// Float16 and BFloat16 models run in float32 inside the engine (for gradients libtorch's CPU kernels can compute),
/// but their inputs and outputs are rounded to the declared type at the graph's boundary: an attack then crafts
/// against exactly the values ONNX Runtime will be fed and return in the model's own type (ReferenceSession rounds
/// alike, to nearest even). The rounding passes gradients straight through: rounding has a zero derivative almost
/// everywhere, which would leave attacks blind.
/// </summary>
internal static class ReducedPrecisionBoundary
{
    public static bool IsReduced(OnnxDataType type) => type is OnnxDataType.Float16 or OnnxDataType.BFloat16;

    public static Tensor Round(Tensor x, OnnxDataType declared)
    {
        if (!IsReduced(declared) || !x.is_floating_point()) return x;
        var narrow = declared == OnnxDataType.Float16 ? ScalarType.Float16 : ScalarType.BFloat16;
        using var rounded = x.detach().to_type(narrow).to_type(x.dtype);
        if (!x.requires_grad) return rounded.alias();
        // x + (round(x) - x), with the difference detached: the value of round(x), the gradient of x.
        using var one = 1.ToScalar();
        using var offset = rounded.sub(x.detach());
        return x.add(offset, one);
    }
}
