using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using AdvScan.Onnx;
using SkiaSharp;

namespace AdvScan.Data.Tests;

/// <summary>Writes small datasets and models into a fresh temporary folder, the formats built byte by byte.</summary>
internal sealed class Fixtures : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("advscan-data-tests-").FullName;

    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A PNG whose every pixel is <paramref name="rgb"/>.</summary>
    public string Png(string relative, int width, int height, (byte R, byte G, byte B) rgb) =>
        Png(relative, width, height, (_, _) => rgb);

    public string Png(string relative, int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                bitmap.SetPixel(x, y, new SKColor(r, g, b, 255));
            }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    public string Text(string relative, string content)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>An .npy file: header dict as numpy writes it, padded so data starts on a 64-byte boundary.</summary>
    public static byte[] Npy(string descr, long[] shape, byte[] data, bool fortran = false, int version = 1)
    {
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        var dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shapeText}, }}";
        int prefix = version == 1 ? 10 : 12;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        var header = dict.PadRight(total - prefix - 1) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.Add((byte)version);
        bytes.Add(0);
        if (version == 1) bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        else bytes.AddRange(BitConverter.GetBytes((uint)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    public static byte[] Longs(params long[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), values[i]);
        return bytes;
    }

    public string Bytes(string relative, byte[] content)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public string Npz(string relative, params (string Name, byte[] Npy)[] arrays)
    {
        var path = PathOf(relative);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, npy) in arrays)
        {
            using var stream = zip.CreateEntry(name + ".npy", CompressionLevel.Optimal).Open();
            stream.Write(npy);
        }
        return path;
    }

    /// <summary>An IDX file of unsigned bytes with big-endian dimensions.</summary>
    public static byte[] Idx(int[] dims, byte[] data)
    {
        var bytes = new List<byte> { 0, 0, 0x08, (byte)dims.Length };
        foreach (var d in dims)
        {
            var b = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(b, d);
            bytes.AddRange(b);
        }
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    /// <summary>
    /// A classifier whose logits are the mean of each colour channel: it predicts the brightest channel, so its
    /// prediction on any image can be worked out by hand.
    /// </summary>
    public string BrightestChannelModel(string name = "brightest.onnx", object? height = null, object? width = null, int channels = 3, Action<OnnxGraphBuilder>? metadata = null, bool nhwc = false)
    {
        var b = new OnnxGraphBuilder("brightest-channel");
        height ??= "h";
        width ??= "w";
        var x = nhwc ? b.Input("pixels", OnnxDataType.Float, "batch", height, width, channels) : b.Input("pixels", OnnxDataType.Float, "batch", channels, height, width);
        if (nhwc) x = b.Node("Transpose", [x], new Dictionary<string, object> { ["perm"] = new long[] { 0, 3, 1, 2 } });
        var pooled = b.Node("GlobalAveragePool", [x]);
        var logits = b.Node("Flatten", [pooled]);
        b.Output(logits, OnnxDataType.Float, "batch", channels);
        metadata?.Invoke(b);
        return Bytes(name, b.ToBytes());
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
