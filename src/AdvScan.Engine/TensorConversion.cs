using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine;

/// <summary>Moves tensors between the ONNX host representation and TorchSharp.</summary>
public static class TensorConversion
{
    internal static ScalarType ToScalarType(OnnxDataType type) => type switch
    {
        OnnxDataType.Float or OnnxDataType.Float16 or OnnxDataType.BFloat16 => ScalarType.Float32,
        OnnxDataType.Double => ScalarType.Float64,
        OnnxDataType.Int32 => ScalarType.Int32,
        OnnxDataType.Bool => ScalarType.Bool,
        OnnxDataType.UInt8 => ScalarType.Byte,
        OnnxDataType.Int8 => ScalarType.Int8,
        _ => ScalarType.Int64,
    };

    /// <summary>Float16/BFloat16 tensors compute in float32: the importer is a float32 engine (see README).</summary>
    internal static Tensor ToTorch(OnnxTensor tensor, Device device)
    {
        var dims = tensor.Dims;
        Tensor t = tensor.Data switch
        {
            float[] f => torch.tensor(f, dims, ScalarType.Float32),
            double[] d => torch.tensor(d, dims, ScalarType.Float64),
            bool[] b => torch.tensor(b, dims, ScalarType.Bool),
            long[] l => torch.tensor(l, dims, ScalarType.Int64).to_type(ToScalarType(tensor.Type)),
            _ => throw new InvalidOperationException($"unexpected host array {tensor.Data.GetType().Name}"),
        };
        return device.type == DeviceType.CPU ? t : t.to(device);
    }

    internal static OnnxDataType ToOnnx(ScalarType type) => type switch
    {
        ScalarType.Float32 => OnnxDataType.Float,
        ScalarType.Float64 => OnnxDataType.Double,
        ScalarType.Int32 => OnnxDataType.Int32,
        ScalarType.Bool => OnnxDataType.Bool,
        ScalarType.Byte => OnnxDataType.UInt8,
        ScalarType.Int8 => OnnxDataType.Int8,
        ScalarType.Float16 => OnnxDataType.Float16,
        _ => OnnxDataType.Int64,
    };

    internal static ScalarType FromOnnxCode(long code, NodeContextFailure fail) => (OnnxDataType)code switch
    {
        OnnxDataType.Float or OnnxDataType.Float16 or OnnxDataType.BFloat16 => ScalarType.Float32,
        OnnxDataType.Double => ScalarType.Float64,
        OnnxDataType.Int64 or OnnxDataType.UInt32 or OnnxDataType.UInt64 or OnnxDataType.Int16 or OnnxDataType.UInt16 => ScalarType.Int64,
        OnnxDataType.Int32 => ScalarType.Int32,
        OnnxDataType.Bool => ScalarType.Bool,
        OnnxDataType.UInt8 => ScalarType.Byte,
        OnnxDataType.Int8 => ScalarType.Int8,
        _ => throw fail($"casts to element type #{code}, which AdvScan does not support"),
    };

    internal delegate Exception NodeContextFailure(string problem);

    /// <summary>Copies a tensor (any device, any dtype) to a host float array, row-major.</summary>
    public static float[] ToHostFloats(Tensor t)
    {
        using var host = t.detach().cpu().to_type(ScalarType.Float32).contiguous();
        return host.data<float>().ToArray();
    }
}
