using AdvScan.Onnx.Protobuf;
using Google.Protobuf;

namespace AdvScan.Onnx;

/// <summary>
/// Authors ONNX models in code: the architectures AdvScan trains (its fixture zoo), test graphs with a known answer,
/// and export-style graphs. Values are referred to by name, as in ONNX itself.
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph = new();
    private readonly Dictionary<string, long> _opsets = new();
    private readonly Dictionary<string, string> _metadata = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _counter;

    public OnnxGraphBuilder(string graphName, long opset = 17)
    {
        _graph.Name = graphName;
        _opsets[""] = opset;
    }

    public long Opset => _opsets[""];
    public string ProducerName { get; set; } = "AdvScan";

    public OnnxGraphBuilder Import(string domain, long version)
    {
        _opsets[domain] = version;
        return this;
    }

    public OnnxGraphBuilder Metadata(string key, string value)
    {
        _metadata[key] = value;
        return this;
    }

    /// <summary>Declares a graph input. Shape entries are long (fixed) or string (symbolic, e.g. "batch").</summary>
    public string Input(string name, OnnxDataType type, params object[] shape)
    {
        _graph.Input.Add(ValueInfo(name, type, shape));
        Claim(name);
        return name;
    }

    public void Output(string name, OnnxDataType type, params object[] shape) => _graph.Output.Add(ValueInfo(name, type, shape));

    public string Initializer(OnnxTensor tensor)
    {
        _graph.Initializer.Add(tensor.ToProto());
        Claim(tensor.Name);
        return tensor.Name;
    }

    public string Initializer(string name, long[] dims, float[] data) => Initializer(OnnxTensor.FromFloats(name, dims, data));
    public string Initializer(string name, long[] dims, double[] data) => Initializer(OnnxTensor.FromDoubles(name, dims, data));
    public string Initializer(string name, long[] dims, long[] data) => Initializer(OnnxTensor.FromLongs(name, dims, data));

    /// <summary>An int64 1-D constant initializer with a generated name (shapes, axes, pads).</summary>
    public string Longs(params long[] values) => AddInitializer(OnnxTensor.FromLongs(FreshName("const"), [values.Length], values));

    /// <summary>A float scalar constant initializer.</summary>
    public string Scalar(float value) => AddInitializer(OnnxTensor.FromFloats(FreshName("const"), [], [value]));

    private string AddInitializer(OnnxTensor tensor)
    {
        _graph.Initializer.Add(tensor.ToProto());
        return tensor.Name;
    }

    /// <summary>Adds a node with one output; returns the output's name.</summary>
    public string Node(string opType, IEnumerable<string> inputs, IReadOnlyDictionary<string, object>? attributes = null, string? name = null, string domain = "")
        => Node(opType, inputs, 1, attributes, name, domain)[0];

    /// <summary>Adds a node with <paramref name="outputCount"/> outputs; returns their names.</summary>
    public string[] Node(string opType, IEnumerable<string> inputs, int outputCount, IReadOnlyDictionary<string, object>? attributes = null, string? name = null, string domain = "")
    {
        var nodeName = name ?? FreshName(opType);
        var node = new NodeProto { OpType = opType, Name = nodeName, Domain = domain };
        node.Input.AddRange(inputs);
        var outputs = Enumerable.Range(0, outputCount).Select(i => outputCount == 1 ? FreshName(nodeName + "_out") : FreshName($"{nodeName}_out{i}")).ToArray();
        node.Output.AddRange(outputs);
        if (attributes is not null)
            foreach (var (key, value) in attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
                node.Attribute.Add(Attribute(key, value));
        _graph.Node.Add(node);
        return outputs;
    }

    public ModelProto Build(long irVersion = 8)
    {
        var model = new ModelProto
        {
            IrVersion = irVersion,
            ProducerName = ProducerName,
            ProducerVersion = "1",
            Graph = _graph.Clone(),
        };
        foreach (var (domain, version) in _opsets.OrderBy(o => o.Key, StringComparer.Ordinal))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        foreach (var (key, value) in _metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    public byte[] ToBytes(long irVersion = 8) => Build(irVersion).ToByteArray();

    public static AttributeProto Attribute(string name, object value)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case int i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
            case long l: a.Type = AttributeProto.Types.AttributeType.Int; a.I = l; break;
            case bool b: a.Type = AttributeProto.Types.AttributeType.Int; a.I = b ? 1 : 0; break;
            case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
            case double d: a.Type = AttributeProto.Types.AttributeType.Float; a.F = (float)d; break;
            case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
            case long[] ls: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ls); break;
            case int[] ints: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ints.Select(v => (long)v)); break;
            case float[] fs: a.Type = AttributeProto.Types.AttributeType.Floats; a.Floats.AddRange(fs); break;
            case OnnxTensor t: a.Type = AttributeProto.Types.AttributeType.Tensor; a.T = t.ToProto(); break;
            default: throw new ArgumentException($"attribute '{name}' has unsupported value type {value.GetType().Name}");
        }
        return a;
    }

    private string FreshName(string stem)
    {
        string candidate;
        do candidate = $"{stem}_{_counter++}"; while (_names.Contains(candidate));
        Claim(candidate);
        return candidate;
    }

    private void Claim(string name)
    {
        if (!_names.Add(name) && _graph.Input.All(i => i.Name != name))
            throw new ArgumentException($"value name '{name}' is already used in this graph");
    }

    private static ValueInfoProto ValueInfo(string name, OnnxDataType type, object[] shape)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = new TensorShapeProto() };
        foreach (var d in shape)
        {
            tensorType.Shape.Dim.Add(d switch
            {
                string s => new TensorShapeProto.Types.Dimension { DimParam = s },
                int i => new TensorShapeProto.Types.Dimension { DimValue = i },
                long l => new TensorShapeProto.Types.Dimension { DimValue = l },
                _ => throw new ArgumentException($"shape entry {d} of '{name}' must be a number or a symbol"),
            });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
