using AdvScan.Onnx;
using AdvScan.Onnx.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Ops;

/// <summary>What a kernel sees of one node: its inputs, attributes, the opset in force, and where to put results.</summary>
internal sealed class NodeContext
{
    private readonly Tensor?[] _inputs;
    private readonly Func<int, long[]?> _hostLongs;
    private readonly Dictionary<string, AttributeProto> _attributes;

    public NodeContext(NodeProto node, long opset, Device device, Tensor?[] inputs, Func<int, long[]?> hostLongs, string? file)
    {
        Node = node;
        Opset = opset;
        Device = device;
        _inputs = inputs;
        _hostLongs = hostLongs;
        File = file;
        _attributes = new Dictionary<string, AttributeProto>(StringComparer.Ordinal);
        foreach (var a in node.Attribute) _attributes[a.Name] = a;
    }

    public NodeProto Node { get; }
    public long Opset { get; }
    public Device Device { get; }
    public string? File { get; }
    public string Name => OnnxModel.NodeLabel(Node);
    public int InputCount => _inputs.Length;
    public int OutputCount => Node.Output.Count;

    public Tensor Input(int index) =>
        index < _inputs.Length && _inputs[index] is { } t ? t : throw Fail($"needs input {index}, which is missing");

    public Tensor? Optional(int index) => index < _inputs.Length ? _inputs[index] : null;

    public bool Has(int index) => index < _inputs.Length && _inputs[index] is not null;

    /// <summary>An integer input read on the host (shapes, axes, pads). Constants come from the import-time cache.</summary>
    public long[] Longs(int index)
    {
        var cached = _hostLongs(index);
        if (cached is not null) return cached;
        using var host = Input(index).cpu().to_type(ScalarType.Int64);
        return host.data<long>().ToArray();
    }

    public long[]? OptionalLongs(int index) => Has(index) ? Longs(index) : null;

    public double[] Doubles(int index)
    {
        using var host = Input(index).cpu().to_type(ScalarType.Float64);
        return host.data<double>().ToArray();
    }

    public bool HasAttribute(string name) => _attributes.ContainsKey(name);

    public long Int(string name, long fallback) => _attributes.TryGetValue(name, out var a) ? a.I : fallback;
    public long Int(string name) => _attributes.TryGetValue(name, out var a) ? a.I : throw Fail($"needs attribute '{name}'");
    public float Float(string name, float fallback) => _attributes.TryGetValue(name, out var a) ? a.F : fallback;
    public string String(string name, string fallback) => _attributes.TryGetValue(name, out var a) ? a.S.ToStringUtf8() : fallback;
    public long[]? Ints(string name) => _attributes.TryGetValue(name, out var a) ? a.Ints.ToArray() : null;
    public float[]? Floats(string name) => _attributes.TryGetValue(name, out var a) ? a.Floats.ToArray() : null;
    public TensorProto? TensorAttribute(string name) => _attributes.TryGetValue(name, out var a) ? a.T : null;
    public AttributeProto? Attribute(string name) => _attributes.TryGetValue(name, out var a) ? a : null;

    public InvalidInputException Fail(string problem) =>
        new(File, $"node '{UntrustedText.Escape(Name)}' ({UntrustedText.Escape(Node.OpType)}) {problem}");

    /// <summary>Normalises a possibly negative axis against <paramref name="rank"/>, checking its range.</summary>
    public long Axis(long axis, long rank)
    {
        var a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw Fail($"has axis {axis}, out of range for a rank-{rank} tensor");
        return a;
    }

    public static Tensor[] One(Tensor t) => [t];
}
