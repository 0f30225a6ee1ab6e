using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using AdvScan.Onnx;
using AdvScan.Onnx.Protobuf;
using Google.Protobuf;
using SkiaSharp;

namespace AdvScan.Fuzz;

/// <summary>
/// The seed corpus, generated (nothing binary is checked in): a few small valid inputs per target, covering the
/// variants each reader distinguishes (dtypes, layouts, header versions, compression, quoting, config sections), so
/// the fuzzer starts from inputs that reach deep into each parser.
/// </summary>
internal static class Seeds
{
    public static void Write(string folder)
    {
        foreach (var (target, seeds) in All())
        {
            var dir = Directory.CreateDirectory(Path.Combine(folder, target)).FullName;
            foreach (var (name, bytes) in seeds) File.WriteAllBytes(Path.Combine(dir, name), bytes);
            var tokens = Tokens(target).ToList();
            File.WriteAllLines(Path.Combine(folder, target + ".dict"), tokens.Select((t, i) => $"t{i}=\"{Escape(t)}\""));
            Console.WriteLine($"{target}: {seeds.Count} seed(s) in {dir}, {tokens.Count} dictionary tokens in {target}.dict");
        }
    }

    /// <summary>
    /// AFL dictionary tokens per target: the words and numbers a format is made of, and the values that break naive
    /// readers (sizes at 2^31, 2^32 and 2^63, paths that climb out, special files), which byte flips rarely produce.
    /// Written with C# escapes, one byte per character (Latin-1).
    /// </summary>
    private static IEnumerable<byte[]> Tokens(string target)
    {
        IEnumerable<string> numbers = ["0", "1", "-1", "2147483647", "2147483648", "4294967296", "9223372036854775807", "18446744073709551616", "1e308", "12000"];
        IEnumerable<string> paths = ["../", "/", "..", "/dev/zero", "/proc/self/environ", "\0", "a.png", "sub/"];
        IEnumerable<byte[]> sizes = [[0x7f, 0xff, 0xff, 0xff], [0xff, 0xff, 0xff, 0xff], [0x80, 0x00, 0x00, 0x00], [0x00, 0x00, 0x2e, 0xe0], [0x00, 0x01, 0x00, 0x00]];
        IEnumerable<string> words = target switch
        {
            "npy" or "npz" => ["\x93NUMPY", "'descr'", "'fortran_order'", "'shape'", "True", "False", "|u1", "<u1", "<f4", "<i4", "<i8", ">f4", "|O", "<f8", "[(", "(", ",)", ")", "L", .. numbers],
            "idx" => ["\0\0\x08\x03", "\0\0\x08\x01", "\0\0\x0d\x03"],
            "image" => ["\x89PNG\r\n\x1a\n", "IHDR", "IDAT", "IEND", "PLTE", "tRNS", "\xff\xd8\xff", "\xff\xc0", "RIFF", "WEBP", "VP8 ", "BM", "GIF89a"],
            "csv" => ["path", "label", ",", "\"", "\"\"", "\r\n", "\n", "cat", "dog", .. paths, .. numbers],
            "config" => ["\"model\"", "\"data\"", "\"path\"", "\"labels\"", "\"root\"", "\"spec\"", "\"layout\"", "\"sample\"", "\"size\"", "\"seed\"",
                "\"attacks\"", "\"attack\"", "\"eps\"", "\"steps\"", "\"restarts\"", "\"queries\"", "\"checks\"", "\"check\"", "\"gates\"", "\"metric\"", "\"min\"", "\"max\"",
                "\"savePatch\"", "\"saveExamples\"", "\"area\"", "\"surrogate\"", "\"truth\"", "\"pgd\"", "\"patch\"", "\"strip\"", "\"poisoning\"", "null", "[]", "{}", "\\u0000", .. paths, .. numbers],
            "onnx" => ["location", "offset", "length", "checksum", "w.bin", "advscan.classes", "advscan.layout", "advscan.scale", "advscan.mean", .. paths],
            _ => [],
        };
        foreach (var w in words) yield return Encoding.Latin1.GetBytes(w);
        if (target is "idx" or "npz" or "image" or "onnx")
            foreach (var s in sizes) yield return s;
        if (target == "npz")
            foreach (var w in new[] { "PK\x03\x04", "PK\x01\x02", "PK\x05\x06", "PK\x06\x06", "x.npy", "y.npy" }) yield return Encoding.Latin1.GetBytes(w);
    }

    /// <summary>AFL's dictionary syntax: printable ASCII as is, the rest (and quotes, backslashes) as \xNN.</summary>
    private static string Escape(byte[] token) =>
        string.Concat(token.Select(b => b is >= 0x20 and < 0x7f and not (byte)'"' and not (byte)'\\' ? ((char)b).ToString() : $"\\x{b:x2}"));

    private static IEnumerable<(string Target, IReadOnlyList<(string Name, byte[] Bytes)> Seeds)> All()
    {
        yield return ("onnx", [("tiny.onnx", TinyModel()), ("metadata.onnx", MetadataModel()), ("external.onnx", ExternalModel()), ("typed.onnx", TypedModel())]);
        yield return ("npy", [
            ("u1-nhw.npy", Npy("|u1", [2, 3, 3], Bytes(18))),
            ("f4-nchw.npy", Npy("<f4", [1, 3, 2, 2], Floats(12))),
            ("u1-nhwc.npy", Npy("|u1", [1, 2, 2, 3], Bytes(12))),
            ("i8-labels.npy", Npy("<i8", [3], Longs(0, 1, 2))),
            ("i4-labels-v2.npy", Npy("<i4", [2], [1, 0, 0, 0, 0, 0, 0, 0], version: 2)),
            ("u1-v3.npy", Npy("|u1", [1, 2, 2], Bytes(4), version: 3)),
        ]);
        yield return ("npz", [
            ("compressed.npz", Npz(CompressionLevel.Optimal, ("x", Npy("|u1", [2, 3, 3], Bytes(18))), ("y", Npy("|u1", [2], [0, 1])))),
            ("stored.npz", Npz(CompressionLevel.NoCompression, ("x", Npy("<f4", [2, 1, 2, 2], Floats(8))), ("y", Npy("<i8", [2], Longs(1, 0))))),
        ]);
        yield return ("idx", [("images.idx3", Idx([2, 3, 3], Bytes(18))), ("labels.idx1", Idx([3], [0, 1, 2]))]);
        yield return ("image", [
            ("rgb.png", Encode(5, 4, SKEncodedImageFormat.Png)),
            ("rgb.jpg", Encode(5, 4, SKEncodedImageFormat.Jpeg)),
            ("rgb.webp", Encode(5, 4, SKEncodedImageFormat.Webp)),
        ]);
        yield return ("csv", [
            ("numeric.csv", Text("path,label\na.png,0\nb.png,1\nsub/c.png,0\n")),
            ("names.csv", Text("label,path,extra\ncat,a.png,x\ndog,\"b.png\",\"y,z\"\r\n\r\ncat,sub/../a.png,\n")),
        ]);
        yield return ("config", [
            ("minimal.json", Text("""{ "model": "model.onnx", "data": "data" }""")),
            ("full.json", Text("""
                {
                  "model": "model.onnx",
                  "data": { "path": "x.npy", "labels": "y.npy", "root": "." },
                  "spec": { "layout": "nchw", "scale": 1, "mean": [0.5], "std": [0.25], "resize": "stretch" },
                  "sample": { "size": 2, "seed": 3 },
                  "batchSize": 8,
                  "attacks": [
                    { "attack": "pgd", "eps": [0.1, 0.2], "steps": 5 },
                    { "id": "fast", "attack": "fgsm", "norm": "linf", "eps": 0.05 }
                  ],
                  "checks": [
                    { "check": "patch", "area": [0.05, 0.1], "steps": 2, "savePatch": "out/p.png", "saveExamples": "out/ex" },
                    { "check": "neural-cleanse" }
                  ],
                  "gates": [
                    { "metric": "robustAccuracy", "attack": "pgd", "eps": 0.1, "min": 0.5 },
                    { "metric": "cleanAccuracy", "min": 0.9, "bound": "confidence" }
                  ]
                }
                """)),
        ]);
    }

    /// <summary>A two-class model on 1x4x4 images: flatten, one matrix product with a raw-data initializer.</summary>
    public static byte[] TinyModel()
    {
        var b = new OnnxGraphBuilder("tiny");
        var x = b.Input("x", OnnxDataType.Float, "batch", 1, 4, 4);
        var flat = b.Node("Flatten", [x]);
        var w = b.Initializer("w", [16, 2], Enumerable.Range(0, 32).Select(i => i / 32f).ToArray());
        var y = b.Node("MatMul", [flat, w]);
        b.Output(y, OnnxDataType.Float, "batch", 2);
        return b.ToBytes();
    }

    private static byte[] MetadataModel()
    {
        var b = new OnnxGraphBuilder("meta");
        b.Metadata("advscan.classes", "cat,dog").Metadata("advscan.layout", "nhwc").Metadata("advscan.scale", "255");
        var x = b.Input("x", OnnxDataType.Float, 1, 4, 4, 3);
        var y = b.Node("ReduceMean", [x, b.Longs(1, 2)], new Dictionary<string, object> { ["keepdims"] = 0L });
        b.Output(y, OnnxDataType.Float, 1, 3);
        return b.ToBytes();
    }

    /// <summary>An initializer whose bytes live in w.bin beside the model (the work folder holds one).</summary>
    private static byte[] ExternalModel()
    {
        var model = ModelProto.Parser.ParseFrom(TinyModel());
        var w = model.Graph.Initializer.Single(t => t.Name == "w");
        w.RawData = ByteString.Empty;
        w.DataLocation = TensorProto.Types.DataLocation.External;
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "w.bin" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "0" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "128" });
        return model.ToByteArray();
    }

    /// <summary>Initializers in the typed fields (float_data, int64_data, double_data) rather than raw bytes.</summary>
    private static byte[] TypedModel()
    {
        var model = ModelProto.Parser.ParseFrom(TinyModel());
        var w = model.Graph.Initializer.Single(t => t.Name == "w");
        var floats = Enumerable.Range(0, 32).Select(i => i / 32f).ToArray();
        w.RawData = ByteString.Empty;
        w.FloatData.AddRange(floats);
        var shape = new TensorProto { Name = "shape", DataType = (int)TensorProto.Types.DataType.Int64 };
        shape.Dims.Add(2);
        shape.Int64Data.AddRange([-1, 16]);
        model.Graph.Initializer.Add(shape);
        var d = new TensorProto { Name = "d", DataType = (int)TensorProto.Types.DataType.Double };
        d.Dims.Add(1);
        d.DoubleData.Add(0.5);
        model.Graph.Initializer.Add(d);
        return model.ToByteArray();
    }

    public static byte[] Npy(string descr, long[] shape, byte[] data, int version = 1)
    {
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        int prefix = version == 1 ? 10 : 12;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        var header = dict.PadRight(total - prefix - 1) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange([(byte)version, 0]);
        if (version == 1) bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        else bytes.AddRange(BitConverter.GetBytes((uint)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    private static byte[] Npz(CompressionLevel level, params (string Name, byte[] Npy)[] arrays)
    {
        var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, npy) in arrays)
            {
                using var stream = zip.CreateEntry(name + ".npy", level).Open();
                stream.Write(npy);
            }
        return output.ToArray();
    }

    private static byte[] Idx(int[] dims, byte[] data)
    {
        var bytes = new List<byte> { 0, 0, 0x08, (byte)dims.Length };
        foreach (var d in dims)
        {
            var word = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            bytes.AddRange(word);
        }
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    private static byte[] Encode(int width, int height, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(40 * x), (byte)(60 * y), 128, 255));
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    private static byte[] Bytes(int count) => Enumerable.Range(0, count).Select(i => (byte)(i * 37)).ToArray();

    private static byte[] Floats(int count)
    {
        var bytes = new byte[4 * count];
        for (int i = 0; i < count; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), i / (float)count);
        return bytes;
    }

    private static byte[] Longs(params long[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), values[i]);
        return bytes;
    }

    private static byte[] Text(string text) => new UTF8Encoding(false).GetBytes(text);
}
