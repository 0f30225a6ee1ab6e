using System.Security.Cryptography;
using AdvScan.Onnx.Protobuf;
using Google.Protobuf;

namespace AdvScan.Onnx;

/// <summary>One dimension of a declared tensor shape: a fixed size, a named symbol (e.g. "batch"), or unknown.</summary>
public readonly record struct OnnxDim(long? Value, string? Symbol)
{
    public bool IsFixed => Value is not null;
    public override string ToString() => Value?.ToString() ?? Symbol ?? "?";
}

/// <summary>A graph input or output: its name, element type and declared shape (null when undeclared).</summary>
public sealed record OnnxValueInfo(string Name, OnnxDataType ElementType, IReadOnlyList<OnnxDim>? Shape)
{
    public string ShapeText => Shape is null ? "(unknown)" : "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// A parsed, validated ONNX model. Loading checks the things that would otherwise surface later as confusing failures:
/// that the bytes are ONNX at all, that there is a graph with outputs, and that every referenced value is defined.
/// </summary>
public sealed class OnnxModel
{
    /// <summary>Protobuf nesting deeper than this is refused (subgraphs of subgraphs); far above real models.</summary>
    private const int RecursionLimit = 64;

    private OnnxModel(ModelProto proto, string? file, string? directory, byte[] bytes)
    {
        Proto = proto;
        File = file;
        Directory = directory;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Opsets = proto.OpsetImport
            .GroupBy(o => NormalizeDomain(o.Domain))
            .ToDictionary(g => g.Key, g => g.Max(o => o.Version));
        Metadata = proto.MetadataProps.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        var initializerNames = proto.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        Inputs = proto.Graph.Input.Where(i => !initializerNames.Contains(i.Name)).Select(ToValueInfo).ToList();
        Outputs = proto.Graph.Output.Select(ToValueInfo).ToList();
    }

    public ModelProto Proto { get; }
    /// <summary>The file the model came from (for messages), or null for in-memory models.</summary>
    public string? File { get; }
    /// <summary>The folder external data resolves against, or null.</summary>
    public string? Directory { get; }
    /// <summary>Lower-case hex SHA-256 of the model bytes, for reports.</summary>
    public string Sha256 { get; }
    /// <summary>Operator set versions by domain; the default domain is "".</summary>
    public IReadOnlyDictionary<string, long> Opsets { get; }
    public long DefaultOpset => Opsets.TryGetValue("", out var v) ? v : 0;
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>Graph inputs that are not initializers: what a caller feeds.</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }
    public IReadOnlyList<OnnxValueInfo> Outputs { get; }
    public string DisplayName => File ?? "<in-memory model>";

    public static string NormalizeDomain(string domain) => domain == "ai.onnx" ? "" : domain;

    /// <summary>
    /// Loads and validates a model file. Every failure is an <see cref="InvalidInputException"/> naming the file. The path
    /// must name a regular file (links followed; a FIFO or a device is refused by its kind before anything opens it, so
    /// it cannot block the open) of at most <see cref="ResourceLimits.MaxModelBytes"/> bytes (and protobuf's 2 GB).
    /// </summary>
    public static OnnxModel Load(string path)
    {
        byte[] bytes;
        var limits = ResourceLimits.Current;
        if (path.Contains('\0')) throw new InvalidInputException(null, "the model path contains a NUL character");
        if (System.IO.Directory.Exists(path)) throw new InvalidInputException(path, "is a folder, not an ONNX model file");
        if (!System.IO.File.Exists(path)) throw new InvalidInputException(path, "does not exist");
        using (var stream = TrustBoundary.OpenRead(path, what: "model"))
        {
            // Protobuf cannot parse a message of 2 GB or more, whatever the limit says.
            ResourceLimits.Check(stream.Length, Math.Min(limits.MaxModelBytes, int.MaxValue - 1), "maxModelBytes", "the model file's size in bytes", path);
            bytes = new byte[stream.Length];
            try
            {
                stream.ReadExactly(bytes);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidInputException(path, $"cannot be read: {UntrustedText.Escape(e.Message)}", inner: e);
            }
        }
        return Parse(bytes, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Parses model bytes. <paramref name="file"/> is used in messages; <paramref name="directory"/> for external data.</summary>
    public static OnnxModel Parse(byte[] bytes, string? file = null, string? directory = null)
    {
        if (bytes.Length == 0) throw new InvalidInputException(file, "is empty, not an ONNX model");
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.WithDiscardUnknownFields(false).ParseFrom(CodedInputStreamWithLimit(bytes));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidInputException(file, $"is not a valid ONNX protobuf (truncated or not ONNX): {e.Message}", inner: e);
        }
        if (proto.IrVersion <= 0 || proto.Graph is null)
            throw new InvalidInputException(file, "is not an ONNX model (no IR version or no graph)");
        if (proto.Graph.Output.Count == 0)
            throw new InvalidInputException(file, "has a graph with no outputs");
        if (proto.Graph.Node.Count == 0)
            throw new InvalidInputException(file, "has a graph with no nodes");
        ResourceLimits.Check(proto.Graph.Node.Count, ResourceLimits.Current.MaxGraphNodes, "maxGraphNodes", "the graph's node count", file);
        var model = new OnnxModel(proto, file, directory, bytes);
        model.CheckReferences();
        model.CheckInitializers();
        return model;
    }

    private static CodedInputStream CodedInputStreamWithLimit(byte[] bytes) =>
        CodedInputStream.CreateWithLimits(new MemoryStream(bytes, writable: false), bytes.Length, RecursionLimit);

    private void CheckReferences()
    {
        var defined = new HashSet<string>(StringComparer.Ordinal) { "" };
        foreach (var i in Proto.Graph.Input) defined.Add(i.Name);
        foreach (var i in Proto.Graph.Initializer) defined.Add(i.Name);
        foreach (var node in Proto.Graph.Node)
            foreach (var o in node.Output) defined.Add(o);
        foreach (var node in Proto.Graph.Node)
            foreach (var i in node.Input)
                if (!defined.Contains(i))
                    throw new InvalidInputException(File, $"node '{UntrustedText.Escape(NodeLabel(node))}' ({UntrustedText.Escape(node.OpType)}) reads '{UntrustedText.Escape(i)}', which nothing in the graph defines");
        foreach (var o in Proto.Graph.Output)
            if (!defined.Contains(o.Name))
                throw new InvalidInputException(File, $"graph output '{UntrustedText.Escape(o.Name)}' is not produced by any node");
    }

    /// <summary>
    /// Checks, without reading them, what the initializers would claim: their total bytes against
    /// <see cref="ResourceLimits.MaxModelBytes"/> and where their external data lies (inside the model's folder after
    /// links, regular files, ranges inside the real file). Done at load, so ONNX Runtime, which reads external data
    /// itself, never opens a file the engine would refuse.
    /// </summary>
    private void CheckInitializers()
    {
        var budget = DecodeBudget.FromLimits();
        foreach (var tensor in Proto.Graph.Initializer) TensorDecoder.Check(tensor, File, Directory, budget);
    }

    public static string NodeLabel(NodeProto node) =>
        string.IsNullOrEmpty(node.Name) ? (node.Output.Count > 0 ? $"-> {node.Output[0]}" : "<unnamed>") : node.Name;

    /// <summary>Decodes every initializer (external data resolved inside <see cref="Directory"/>).</summary>
    /// <remarks>
    /// Decoded one at a time as the caller iterates, so the host copies of all weights never exist at once. The
    /// initializers together may claim at most <see cref="ResourceLimits.MaxModelBytes"/> bytes (checked before each
    /// allocation), and no more bytes from an external-data file than it holds.
    /// </remarks>
    public IEnumerable<OnnxTensor> DecodeInitializers()
    {
        if (WeightsReleased) throw new InvalidOperationException($"{DisplayName}: its initializer data was released after import; load the model again");
        var budget = DecodeBudget.FromLimits();
        return Proto.Graph.Initializer.Select(t => TensorDecoder.Decode(t, File, Directory, budget));
    }

    public byte[] ToBytes() => WeightsReleased
        ? throw new InvalidOperationException($"{DisplayName}: its initializer data was released after import; load the model again")
        : Proto.ToByteArray();

    /// <summary>
    /// Initializers with more bytes than this are the weights worth one copy only: <see cref="ReleaseWeights"/> drops
    /// their bytes, and the engine hands their decoded float32 arrays to ONNX Runtime.
    /// </summary>
    public const int SharedInitializerBytes = 4096;

    /// <summary>Whether <see cref="ReleaseWeights"/> dropped the initializers' bytes.</summary>
    public bool WeightsReleased { get; private set; }

    /// <summary>
    /// Drops the bytes of every initializer larger than 4 KiB from <see cref="Proto"/> once the engine has made its
    /// tensors and ONNX Runtime has loaded the model from its file: until then the parsed protobuf held a third copy of
    /// every weight (a ViT-B/16 holds 330 MiB). Only for a model read from a file (ONNX Runtime re-reads nothing, but an
    /// in-memory model has no other copy); afterwards decoding the initializers or the whole model again is refused.
    /// </summary>
    public void ReleaseWeights()
    {
        if (File is null || WeightsReleased) return;
        foreach (var tensor in Proto.Graph.Initializer)
            if (tensor.RawData.Length > SharedInitializerBytes) tensor.RawData = ByteString.Empty;
        WeightsReleased = true;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    public void Save(string path) => System.IO.File.WriteAllBytes(path, ToBytes());

    private static OnnxValueInfo ToValueInfo(ValueInfoProto v)
    {
        var tensorType = v.Type?.TensorType;
        if (tensorType is null) return new OnnxValueInfo(v.Name, OnnxDataType.Undefined, null);
        IReadOnlyList<OnnxDim>? shape = tensorType.Shape is null
            ? null
            : tensorType.Shape.Dim.Select(d => d.ValueCase switch
            {
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => new OnnxDim(d.DimValue, null),
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => new OnnxDim(null, d.DimParam),
                _ => new OnnxDim(null, null),
            }).ToList();
        return new OnnxValueInfo(v.Name, (OnnxDataType)tensorType.ElemType, shape);
    }
}
