using AdvScan.Onnx.Protobuf;
using Google.Protobuf;

namespace AdvScan.Onnx;

/// <summary>
/// A decoded ONNX tensor held on the host. <see cref="Data"/> is a flat array in row-major order whose element type
/// follows <see cref="Type"/>: float[] (Float, Float16, BFloat16 are widened), double[], long[] (all integer types are
/// widened), bool[].
/// </summary>
public sealed class OnnxTensor
{
    public OnnxTensor(string name, OnnxDataType type, long[] dims, Array data)
    {
        Name = name;
        Type = type;
        Dims = dims;
        Data = data;
    }

    public string Name { get; }
    public OnnxDataType Type { get; }
    public long[] Dims { get; }
    public Array Data { get; }
    public long ElementCount => Data.Length;

    public static OnnxTensor FromFloats(string name, long[] dims, float[] data) => new(name, OnnxDataType.Float, dims, data);
    public static OnnxTensor FromDoubles(string name, long[] dims, double[] data) => new(name, OnnxDataType.Double, dims, data);
    public static OnnxTensor FromLongs(string name, long[] dims, long[] data) => new(name, OnnxDataType.Int64, dims, data);

    /// <summary>
    /// Encodes as a TensorProto with raw_data (little-endian), the layout exporters write. Float16 and BFloat16 tensors
    /// hold their values as float[] and are rounded to nearest even here.
    /// </summary>
    public TensorProto ToProto()
    {
        var proto = new TensorProto { Name = Name, DataType = (int)Type };
        proto.Dims.AddRange(Dims);
        proto.RawData = Type switch
        {
            OnnxDataType.Float => ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes((float[])Data).ToArray()),
            OnnxDataType.Double => ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes((double[])Data).ToArray()),
            OnnxDataType.Int64 => ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes((long[])Data).ToArray()),
            OnnxDataType.Int32 => ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(((long[])Data).Select(v => (int)v).ToArray()).ToArray()),
            OnnxDataType.Bool => ByteString.CopyFrom(((bool[])Data).Select(b => b ? (byte)1 : (byte)0).ToArray()),
            OnnxDataType.Float16 => ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(((float[])Data).Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray()).ToArray()),
            OnnxDataType.BFloat16 => ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(((float[])Data).Select(ModelPrecision.BFloat16Bits).ToArray()).ToArray()),
            _ => throw new NotSupportedException($"encoding {Type} tensors is not supported"),
        };
        return proto;
    }
}
