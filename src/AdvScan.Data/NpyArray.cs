using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AdvScan.Data;

/// <summary>
/// A NumPy .npy file (format versions 1.0, 2.0 and 3.0) read in place: the header is parsed here, never by
/// unpickling, and elements are read on demand from the file (or streamed from an .npz member, see
/// <see cref="ByteSource"/>). Only little-endian numeric dtypes are accepted. Sizes the header declares are checked
/// against the bytes present, with overflowing shapes refused, before anything is allocated for them.
/// </summary>
internal sealed partial class NpyArray : IDisposable
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private readonly ByteSource _source;

    private NpyArray(ByteSource source, string dtype, long[] shape, long dataOffset)
    {
        _source = source;
        DType = dtype;
        Shape = shape;
        DataOffset = dataOffset;
    }

    /// <summary>For messages: the file, or "archive.npz:x".</summary>
    public string Name => _source.Name;
    /// <summary>Normalised dtype: "u1", "i4", "i8" or "f4".</summary>
    public string DType { get; }
    public long[] Shape { get; }
    public long DataOffset { get; }
    public int ItemSize => DType switch { "u1" => 1, "i4" or "f4" => 4, _ => 8 };

    /// <summary>Opens the regular file <paramref name="path"/> (links followed, kind checked before the open).</summary>
    public static NpyArray Open(string path, string name) => Open(new FileSource(DataFiles.OpenHandle(path, name), name));

    /// <summary>Parses the header of <paramref name="source"/>, which the array then owns (disposed with it, or on failure).</summary>
    public static NpyArray Open(ByteSource source)
    {
        try
        {
            return Parse(source, source.Name);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static NpyArray Parse(ByteSource source, string name)
    {
        long length = source.Length;
        var prefix = new byte[Math.Min(12, length)];
        source.Read(0, prefix);
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
        if (headerLength > 1 << 20 || headerStart + headerLength > length)
            throw new InvalidInputException(name, string.Create(CultureInfo.InvariantCulture,
                $"is truncated inside the .npy header (it declares {headerLength} header bytes at offset 8; the file has {length} bytes)"));
        var headerBytes = new byte[headerLength];
        source.Read(headerStart, headerBytes);
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        if (DescrList().IsMatch(header))
            throw new InvalidInputException(name, "holds a structured (record) dtype; AdvScan reads plain numeric arrays");
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shapeMatch.Success)
            throw new InvalidInputException(name, $"has an .npy header AdvScan cannot parse: {UntrustedText.Escape(header.Trim())}");
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
            _ when dtype.StartsWith('>') => throw new InvalidInputException(name, $"has big-endian dtype '{UntrustedText.Escape(dtype)}'; save it little-endian (e.g. arr.astype('<f4'))"),
            _ => throw new InvalidInputException(name, $"has dtype '{UntrustedText.Escape(dtype)}'; AdvScan reads uint8 (|u1), int32 (<i4), int64 (<i8) and float32 (<f4)"),
        };
        var shapeText = shapeMatch.Groups[1].Value;
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.TryParse(d.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
                : throw new InvalidInputException(name, $"has an unreadable shape ({UntrustedText.Escape(shapeText)}) in its header at offset {headerStart}"))
            .ToArray();
        var array = new NpyArray(source, normalised, shape, headerStart + headerLength);
        long payload = DataFiles.Product(shape, array.ItemSize, name, $"header at offset {headerStart}");
        if (payload > length - array.DataOffset)
            throw new InvalidInputException(name, string.Create(CultureInfo.InvariantCulture,
                $"is truncated: shape ({string.Join(", ", shape)}) needs {payload} bytes from offset {array.DataOffset}, the file has {length - array.DataOffset}"));
        return array;
    }

    /// <summary>Reads elements [<paramref name="first"/>, first + destination.Length / ItemSize) as raw little-endian bytes.</summary>
    public void ReadRaw(long first, Span<byte> destination) => _source.Read(DataOffset + first * ItemSize, destination);

    /// <summary>Reads the whole array as integer labels (rank 1).</summary>
    public int[] ReadLabels()
    {
        if (Shape.Length != 1)
            throw new InvalidInputException(Name, $"labels must be a 1-D array, got shape ({string.Join(", ", Shape)})");
        if (DType == "f4")
            throw new InvalidInputException(Name, "labels have dtype float32 (<f4); save integer class indices (int64, int32 or uint8)");
        ResourceLimits.Check(Shape[0], ResourceLimits.Current.MaxExamples, "maxExamples", "the number of labels", Name);
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

    public void Dispose() => _source.Dispose();

    [GeneratedRegex(@"'descr'\s*:\s*\[")]
    private static partial Regex DescrList();
    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
