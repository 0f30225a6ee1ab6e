using System.Buffers.Binary;
using System.Globalization;
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
    /// <param name="budget">Bytes the model's tensors may still claim, shared by all of one model's initializers; null for none.</param>
    public static OnnxTensor Decode(TensorProto tensor, string? modelFile, string? modelDirectory, DecodeBudget? budget = null)
    {
        var name = tensor.Name;
        var type = (OnnxDataType)tensor.DataType;
        var dims = tensor.Dims.ToArray();
        int n = ElementCount(tensor, modelFile);
        budget?.Claim((long)n * Math.Max(OnnxDataTypes.ElementSize(type), 1), modelFile, name);

        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            var (path, offset, bytes) = LocateExternal(tensor, n, modelFile, modelDirectory, budget);
            return DecodeRaw(name, type, dims, n, ReadRange(path, offset, bytes, modelFile), modelFile);
        }
        if (!tensor.RawData.IsEmpty)
            return DecodeRaw(name, type, dims, n, tensor.RawData.Span, modelFile);

        Array data = type switch
        {
            OnnxDataType.Float => Typed(tensor.FloatData, n, modelFile, name, v => v),
            OnnxDataType.Double => Typed(tensor.DoubleData, n, modelFile, name, v => v),
            OnnxDataType.Int64 => Typed(tensor.Int64Data, n, modelFile, name, v => v),
            OnnxDataType.Int32 or OnnxDataType.Int16 or OnnxDataType.Int8 or OnnxDataType.UInt8 or OnnxDataType.UInt16
                => Typed(tensor.Int32Data, n, modelFile, name, v => (long)v),
            OnnxDataType.UInt32 or OnnxDataType.UInt64 => Typed(tensor.Uint64Data, n, modelFile, name, v => ToInt64(v, modelFile, name)),
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
                        OnnxDataType.UInt64 => ToInt64(BinaryPrimitives.ReadUInt64LittleEndian(s), file, name),
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

    /// <summary>
    /// Checks what decoding <paramref name="tensor"/> would claim, without reading or allocating its data: its element
    /// count, its bytes against <paramref name="budget"/>, and where its external data lies (<see cref="LocateExternal"/>).
    /// A model is checked this way when it loads, so every reader of it (ONNX Runtime included) sees the same boundary.
    /// </summary>
    public static void Check(TensorProto tensor, string? modelFile, string? modelDirectory, DecodeBudget budget)
    {
        int n = ElementCount(tensor, modelFile);
        budget.Claim((long)n * Math.Max(OnnxDataTypes.ElementSize((OnnxDataType)tensor.DataType), 1), modelFile, tensor.Name);
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External && modelDirectory is not null)
            LocateExternal(tensor, n, modelFile, modelDirectory, budget);
    }

    /// <summary>The element count the dims declare, refused above <see cref="MaxElements"/> or with a negative dim.</summary>
    private static int ElementCount(TensorProto tensor, string? file)
    {
        long count = 1;
        foreach (var d in tensor.Dims)
        {
            if (d < 0) throw Fail(file, tensor.Name, $"has a negative dimension ({d})");
            count = d == 0 ? 0 : (count > MaxElements / Math.Max(d, 1) ? MaxElements + 1 : count * d);
        }
        if (count > MaxElements) throw Fail(file, tensor.Name, $"declares more than {MaxElements} elements");
        return (int)count;
    }

    /// <summary>AdvScan holds integers as int64: a uint64 above its range is bad input, not an overflow.</summary>
    private static long ToInt64(ulong value, string? file, string name) =>
        value <= long.MaxValue ? (long)value : throw Fail(file, name, $"holds the uint64 value {value}, which AdvScan cannot represent (above {long.MaxValue})");

    /// <summary>
    /// Where a tensor's external data lies: the location resolved with every link followed, which must stay inside the
    /// model's folder (a link to /etc/passwd is refused before anything is read) and be a regular file (a FIFO would
    /// block the open); the range must lie inside the file's real length, and the bytes claimed from one file may not
    /// add up to more than its length, so many tensors cannot read one (sparse) file over and over.
    /// </summary>
    private static (string Path, long Offset, long Bytes) LocateExternal(TensorProto tensor, int n, string? file, string? modelDirectory, DecodeBudget? budget)
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
                    if (!long.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
                        throw Fail(file, name, $"has an invalid external data offset '{UntrustedText.Escape(entry.Value)}'");
                    break;
                case "length":
                    if (!long.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out length))
                        throw Fail(file, name, $"has an invalid external data length '{UntrustedText.Escape(entry.Value)}'");
                    break;
            }
        }
        if (string.IsNullOrEmpty(location)) throw Fail(file, name, "is stored externally but names no location");
        var shown = UntrustedText.Escape(location);
        if (location.Contains('\0')) throw Fail(file, name, $"external data location '{shown}' contains a NUL character");
        if (Path.IsPathRooted(location)) throw Fail(file, name, $"external data location '{shown}' is an absolute path; only files inside the model's folder are read");
        var root = Path.GetFullPath(modelDirectory);
        var lexical = Path.GetFullPath(Path.Combine(root, location));
        var rootWithSeparator = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        if (!lexical.StartsWith(rootWithSeparator, StringComparison.Ordinal))
            throw Fail(file, name, $"external data location '{shown}' escapes the model's folder; refused");
        // Links are resolved at every component before anything is opened: a link inside the folder that points out of
        // it passes the lexical test above and is refused here; a FIFO or device is refused by its kind.
        var what = $"external data '{shown}' of tensor '{UntrustedText.Escape(name)}'";
        var resolved = TrustBoundary.ResolveInside(location, root, what, file);
        var kind = TrustBoundary.KindOf(resolved);
        if (kind == FileKind.Missing) throw Fail(file, name, $"external data file '{shown}' does not exist");
        if (kind != FileKind.Regular) TrustBoundary.RequireRegularFile(resolved, what, file);

        int size = OnnxDataTypes.ElementSize((OnnxDataType)tensor.DataType);
        long expected = (long)n * size;
        if (length >= 0 && length != expected) throw Fail(file, name, $"external data length {length} does not match the {expected} bytes its dims need");
        long fileLength = new FileInfo(resolved).Length;
        if (offset > fileLength || expected > fileLength - offset)
            throw Fail(file, name, $"external data '{shown}' is {fileLength} bytes, too short for offset {offset} + {expected} bytes");
        budget?.ClaimFrom(resolved, fileLength, expected, file, name, shown);
        return (resolved, offset, expected);
    }

    private static byte[] ReadRange(string path, long offset, long bytes, string? file)
    {
        using var stream = TrustBoundary.OpenRead(path, what: "external data", file: file);
        if (offset > stream.Length || bytes > stream.Length - offset)
            throw new InvalidInputException(file, $"external data changed while it was read ({stream.Length} bytes now); refused");
        stream.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[bytes];
        stream.ReadExactly(buffer);
        return buffer;
    }

    private static string DescribeType(int type) =>
        Enum.IsDefined(typeof(TensorProto.Types.DataType), type) ? ((TensorProto.Types.DataType)type).ToString() : $"#{type}";

    private static InvalidInputException Fail(string? file, string tensor, string problem) =>
        new(file, $"tensor '{UntrustedText.Escape(tensor)}' {problem}");
}

/// <summary>
/// What one model's tensors may still claim while they are decoded: <see cref="ResourceLimits.MaxModelBytes"/> in total
/// (checked before each allocation), and no more bytes from any external-data file than the file really holds.
/// </summary>
public sealed class DecodeBudget(long maxBytes)
{
    private readonly Dictionary<string, long> _claimedFromFile = new(StringComparer.Ordinal);
    private long _claimed;

    /// <summary>The budget in force (<see cref="ResourceLimits.Current"/>).</summary>
    public static DecodeBudget FromLimits() => new(ResourceLimits.Current.MaxModelBytes);

    public void Claim(long bytes, string? file, string tensor)
    {
        _claimed = bytes > long.MaxValue - _claimed ? long.MaxValue : _claimed + bytes;
        ResourceLimits.Check(_claimed, maxBytes, "maxModelBytes", $"the model's tensor data up to tensor '{UntrustedText.Escape(tensor)}', in bytes,", file);
    }

    public void ClaimFrom(string realPath, long fileLength, long bytes, string? file, string tensor, string location)
    {
        long total = _claimedFromFile.GetValueOrDefault(realPath) + bytes;
        if (total > fileLength)
            throw new InvalidInputException(file, $"tensor '{UntrustedText.Escape(tensor)}' reads external data '{location}' that other tensors already read: {total} bytes claimed from a file of {fileLength}; refused");
        _claimedFromFile[realPath] = total;
    }
}
