using System.Buffers.Binary;
using AdvScan.Onnx.Protobuf;

namespace AdvScan.Onnx;

/// <summary>
/// Turns TensorProtos into <see cref="OnnxTensor"/>s. Model files are untrusted: every size is checked against the
/// declared dims before anything is allocated, and external data may only come from files inside the model's folder.
/// </summary>
public static class TensorDecoder
{
    /// <summary>Tensors larger than this many elements are refused (a 2^31-byte float tensor), before allocation.</summary>
    public const long MaxElements = int.MaxValue / 4;

    /// <param name="tensor">The proto.</param>
    /// <param name="modelFile">The model file, for error messages.</param>
    /// <param name="modelDirectory">Folder against which external data locations resolve; null forbids external data.</param>
    public static OnnxTensor Decode(TensorProto tensor, string? modelFile, string? modelDirectory)
    {
        var name = tensor.Name;
        var type = (OnnxDataType)tensor.DataType;
        var dims = tensor.Dims.ToArray();
        long count = 1;
        foreach (var d in dims)
        {
            if (d < 0) throw Fail(modelFile, name, $"has a negative dimension ({d})");
            count = d == 0 ? 0 : (count > MaxElements / Math.Max(d, 1) ? MaxElements + 1 : count * d);
        }
        if (count > MaxElements) throw Fail(modelFile, name, $"declares more than {MaxElements} elements");
        int n = (int)count;

        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            return DecodeRaw(name, type, dims, n, ReadExternal(tensor, n, modelFile, modelDirectory), modelFile);
        if (!tensor.RawData.IsEmpty)
            return DecodeRaw(name, type, dims, n, tensor.RawData.Span, modelFile);

        Array data = type switch
        {
            OnnxDataType.Float => Typed(tensor.FloatData, n, modelFile, name, v => v),
            OnnxDataType.Double => Typed(tensor.DoubleData, n, modelFile, name, v => v),
            OnnxDataType.Int64 => Typed(tensor.Int64Data, n, modelFile, name, v => v),
            OnnxDataType.Int32 or OnnxDataType.Int16 or OnnxDataType.Int8 or OnnxDataType.UInt8 or OnnxDataType.UInt16
                => Typed(tensor.Int32Data, n, modelFile, name, v => (long)v),
            OnnxDataType.UInt32 or OnnxDataType.UInt64 => Typed(tensor.Uint64Data, n, modelFile, name, v => checked((long)v)),
            OnnxDataType.Bool => Typed(tensor.Int32Data, n, modelFile, name, v => v != 0),
            // float16/bfloat16 in typed storage are bit patterns in int32_data.
            OnnxDataType.Float16 => Typed(tensor.Int32Data, n, modelFile, name, v => (float)BitConverter.UInt16BitsToHalf((ushort)v)),
            OnnxDataType.BFloat16 => Typed(tensor.Int32Data, n, modelFile, name, v => BitConverter.Int32BitsToSingle(v << 16)),
            _ => throw Fail(modelFile, name, $"has element type {DescribeType(tensor.DataType)}, which AdvScan does not read"),
        };
        return new OnnxTensor(name, type, dims, data);
    }

    private static T[] Typed<TSource, T>(IReadOnlyList<TSource> source, int n, string? file, string name, Func<TSource, T> convert)
    {
        if (source.Count != n) throw Fail(file, name, $"holds {source.Count} values but its dims need {n}");
        var result = new T[n];
        for (int i = 0; i < n; i++) result[i] = convert(source[i]);
        return result;
    }

    private static OnnxTensor DecodeRaw(string name, OnnxDataType type, long[] dims, int n, ReadOnlySpan<byte> raw, string? file)
    {
        int size = OnnxDataTypes.ElementSize(type);
        if (size == 0) throw Fail(file, name, $"has element type {DescribeType((int)type)}, which AdvScan does not read");
        if (raw.Length != (long)n * size)
            throw Fail(file, name, $"has {raw.Length} bytes of data but its dims and type need {(long)n * size}");
        Array data;
        switch (type)
        {
            case OnnxDataType.Float:
                data = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray();
                break;
            case OnnxDataType.Double:
                data = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(raw).ToArray();
                break;
            case OnnxDataType.Float16:
            {
                var f = new float[n];
                for (int i = 0; i < n; i++) f[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]));
                data = f;
                break;
            }
            case OnnxDataType.BFloat16:
            {
                var f = new float[n];
                for (int i = 0; i < n; i++) f[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]) << 16);
                data = f;
                break;
            }
            case OnnxDataType.Bool:
            {
                var b = new bool[n];
                for (int i = 0; i < n; i++) b[i] = raw[i] != 0;
                data = b;
                break;
            }
            default:
            {
                var l = new long[n];
                for (int i = 0; i < n; i++)
                {
                    var s = raw[(i * size)..];
                    l[i] = type switch
                    {
                        OnnxDataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(s),
                        OnnxDataType.UInt64 => checked((long)BinaryPrimitives.ReadUInt64LittleEndian(s)),
                        OnnxDataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(s),
                        OnnxDataType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(s),
                        OnnxDataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(s),
                        OnnxDataType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(s),
                        OnnxDataType.Int8 => (sbyte)s[0],
                        _ => s[0],
                    };
                }
                data = l;
                break;
            }
        }
        return new OnnxTensor(name, type, dims, data);
    }

    private static byte[] ReadExternal(TensorProto tensor, int n, string? file, string? modelDirectory)
    {
        var name = tensor.Name;
        if (modelDirectory is null) throw Fail(file, name, "refers to external data, but the model was not loaded from a folder");
        string? location = null;
        long offset = 0, length = -1;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset":
                    if (!long.TryParse(entry.Value, out offset) || offset < 0) throw Fail(file, name, $"has an invalid external data offset '{entry.Value}'");
                    break;
                case "length":
                    if (!long.TryParse(entry.Value, out length) || length < 0) throw Fail(file, name, $"has an invalid external data length '{entry.Value}'");
                    break;
            }
        }
        if (string.IsNullOrEmpty(location)) throw Fail(file, name, "is stored externally but names no location");
        if (Path.IsPathRooted(location)) throw Fail(file, name, $"external data location '{location}' is an absolute path; only files inside the model's folder are read");
        var root = Path.GetFullPath(modelDirectory);
        var resolved = Path.GetFullPath(Path.Combine(root, location));
        var rootWithSeparator = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        if (!resolved.StartsWith(rootWithSeparator, StringComparison.Ordinal))
            throw Fail(file, name, $"external data location '{location}' escapes the model's folder; refused");
        if (!File.Exists(resolved)) throw Fail(file, name, $"external data file '{location}' does not exist");

        int size = OnnxDataTypes.ElementSize((OnnxDataType)tensor.DataType);
        long expected = (long)n * size;
        if (length >= 0 && length != expected) throw Fail(file, name, $"external data length {length} does not match the {expected} bytes its dims need");
        using var stream = new FileStream(resolved, FileMode.Open, FileAccess.Read);
        if (offset + expected > stream.Length)
            throw Fail(file, name, $"external data '{location}' is {stream.Length} bytes, too short for offset {offset} + {expected} bytes");
        stream.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[expected];
        stream.ReadExactly(buffer);
        return buffer;
    }

    private static string DescribeType(int type) =>
        Enum.IsDefined(typeof(TensorProto.Types.DataType), type) ? ((TensorProto.Types.DataType)type).ToString() : $"#{type}";

    private static InvalidInputException Fail(string? file, string tensor, string problem) =>
        new(file, $"tensor '{tensor}' {problem}");
}
