using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;

namespace AdvScan.Data;

/// <summary>
/// A NumPy .npy file (format versions 1.0, 2.0 and 3.0) read in place: the header is parsed here, never by
/// unpickling, and elements are read on demand from the file. Only little-endian numeric dtypes are accepted.
/// </summary>
internal sealed partial class NpyArray : IDisposable
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private readonly SafeFileHandle _handle;

    private NpyArray(string name, SafeFileHandle handle, string dtype, long[] shape, long dataOffset)
    {
        Name = name;
        _handle = handle;
        DType = dtype;
        Shape = shape;
        DataOffset = dataOffset;
    }

    /// <summary>For messages: the file, or "archive.npz:x.npy".</summary>
    public string Name { get; }
    /// <summary>Normalised dtype: "u1", "i4", "i8" or "f4".</summary>
    public string DType { get; }
    public long[] Shape { get; }
    public long DataOffset { get; }
    public int ItemSize => DType switch { "u1" => 1, "i4" or "f4" => 4, _ => 8 };

    public static NpyArray Open(string path, string name)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(name, e is FileNotFoundException ? "does not exist" : $"cannot be read: {e.Message}", inner: e);
        }
        try
        {
            return Parse(handle, name);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static NpyArray Parse(SafeFileHandle handle, string name)
    {
        long length = RandomAccess.GetLength(handle);
        var prefix = new byte[Math.Min(12, length)];
        RandomAccess.Read(handle, prefix, 0);
        if (prefix.Length > 0 && prefix[0] == 0x80)
            throw new InvalidInputException(name, "is a Python pickle, not an .npy array; AdvScan never unpickles (save with numpy.save(..., allow_pickle=False))");
        if (prefix.Length < 10 || !prefix.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidInputException(name, "is not an .npy file (missing the \\x93NUMPY magic)");
        int major = prefix[6];
        long headerLength, headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix.AsSpan(8));
                headerStart = 10;
                break;
            case 2 or 3:
                if (prefix.Length < 12) throw new InvalidInputException(name, "is truncated inside the .npy header");
                headerLength = BinaryPrimitives.ReadUInt32LittleEndian(prefix.AsSpan(8));
                headerStart = 12;
                break;
            default:
                throw new InvalidInputException(name, $"uses .npy format version {major}.{prefix[7]}, which AdvScan does not read (1.0, 2.0, 3.0)");
        }
        if (headerStart + headerLength > length || headerLength > 1 << 20)
            throw new InvalidInputException(name, "is truncated inside the .npy header");
        var headerBytes = new byte[headerLength];
        RandomAccess.Read(handle, headerBytes, headerStart);
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        if (DescrList().IsMatch(header))
            throw new InvalidInputException(name, "holds a structured (record) dtype; AdvScan reads plain numeric arrays");
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shapeMatch.Success)
            throw new InvalidInputException(name, $"has an .npy header AdvScan cannot parse: {header.Trim()}");
        var dtype = descr.Groups[1].Value;
        if (dtype.EndsWith('O'))
            throw new InvalidInputException(name, "holds Python objects (dtype |O), which would need unpickling; save a numeric array instead");
        if (fortran.Groups[1].Value == "True")
            throw new InvalidInputException(name, "is stored in Fortran (column-major) order; save it with numpy.ascontiguousarray first");
        var normalised = dtype switch
        {
            "|u1" or "<u1" or "u1" => "u1",
            "<i4" => "i4",
            "<i8" => "i8",
            "<f4" => "f4",
            _ when dtype.StartsWith('>') => throw new InvalidInputException(name, $"has big-endian dtype '{dtype}'; save it little-endian (e.g. arr.astype('<f4'))"),
            _ => throw new InvalidInputException(name, $"has dtype '{dtype}'; AdvScan reads uint8 (|u1), int32 (<i4), int64 (<i8) and float32 (<f4)"),
        };
        var shapeText = shapeMatch.Groups[1].Value;
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.TryParse(d.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
                : throw new InvalidInputException(name, $"has an unreadable shape ({shapeText})"))
            .ToArray();
        var array = new NpyArray(name, handle, normalised, shape, headerStart + headerLength);
        long expected = array.DataOffset + shape.Aggregate(1L, (a, b) => checked(a * b)) * array.ItemSize;
        if (length < expected)
            throw new InvalidInputException(name, $"is truncated: shape ({string.Join(", ", shape)}) needs {expected} bytes, the file has {length}");
        return array;
    }

    /// <summary>Reads elements [<paramref name="first"/>, first + destination.Length / ItemSize) as raw little-endian bytes.</summary>
    public void ReadRaw(long first, Span<byte> destination) => RandomAccess.Read(_handle, destination, DataOffset + first * ItemSize);

    /// <summary>Reads the whole array as integer labels (rank 1).</summary>
    public int[] ReadLabels()
    {
        if (Shape.Length != 1)
            throw new InvalidInputException(Name, $"labels must be a 1-D array, got shape ({string.Join(", ", Shape)})");
        if (DType == "f4")
            throw new InvalidInputException(Name, "labels have dtype float32 (<f4); save integer class indices (int64, int32 or uint8)");
        var bytes = new byte[Shape[0] * ItemSize];
        ReadRaw(0, bytes);
        var labels = new int[Shape[0]];
        for (int i = 0; i < labels.Length; i++)
        {
            long v = DType switch
            {
                "u1" => bytes[i],
                "i4" => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i)),
                _ => BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8 * i)),
            };
            if (v < 0 || v > int.MaxValue) throw new InvalidInputException($"{Name}[{i}]", $"label {v} is not a class index");
            labels[i] = (int)v;
        }
        return labels;
    }

    public void Dispose() => _handle.Dispose();

    [GeneratedRegex(@"'descr'\s*:\s*\[")]
    private static partial Regex DescrList();
    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
