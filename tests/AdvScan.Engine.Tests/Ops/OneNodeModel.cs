using AdvScan.Engine.Tests.Conformance;
using AdvScan.Onnx;
using AdvScan.Runtime;
using Google.Protobuf;
using TorchSharp;

namespace AdvScan.Engine.Tests.Ops;

/// <summary>
/// A model of one node built in code, run through both the engine and ONNX Runtime so a test states only the op,
/// its opset, inputs and attributes. Graph inputs are fed at run time; constants become initializers (which is how
/// exporters pass shapes, pads, axes and scales).
/// </summary>
internal sealed class OneNodeModel
{
    private readonly string _op;
    private readonly OnnxGraphBuilder _builder;
    private readonly List<string> _nodeInputs = [];
    private readonly List<OnnxTensor> _feeds = [];
    private readonly Dictionary<string, object> _attributes = new(StringComparer.Ordinal);
    private int _constants;

    public OneNodeModel(string op, long opset)
    {
        _op = op;
        _builder = new OnnxGraphBuilder($"one-{op}", opset);
    }

    /// <summary>A runtime float input with seeded values in [-2, 2).</summary>
    public OneNodeModel Input(params long[] shape)
    {
        var random = new Random(17 + _feeds.Count);
        int count = (int)shape.Aggregate(1L, (a, b) => a * b);
        return Input(Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray(), shape);
    }

    public OneNodeModel Input(float[] data, params long[] shape)
    {
        var name = _builder.Input($"x{_feeds.Count}", OnnxDataType.Float, shape.Cast<object>().ToArray());
        _feeds.Add(OnnxTensor.FromFloats(name, shape, data));
        _nodeInputs.Add(name);
        return this;
    }

    public OneNodeModel Longs(params long[] values) => Constant(OnnxTensor.FromLongs($"c{_constants}", [values.Length], values));

    public OneNodeModel Floats(params float[] values) => Constant(OnnxTensor.FromFloats($"c{_constants}", [values.Length], values));

    public OneNodeModel Constant(OnnxTensor tensor)
    {
        _constants++;
        _nodeInputs.Add(_builder.Initializer(tensor));
        return this;
    }

    /// <summary>An optional input left out (empty name), to reach a later one.</summary>
    public OneNodeModel Skip()
    {
        _nodeInputs.Add("");
        return this;
    }

    public OneNodeModel Attribute(string name, object value)
    {
        _attributes[name] = value;
        return this;
    }

    /// <summary>Runs both and asserts every output agrees in shape and value; returns the engine's output shapes.</summary>
    public long[][] AssertEngineMatchesOnnxRuntime(params OnnxDataType[] outputTypes)
    {
        if (outputTypes.Length == 0) outputTypes = [OnnxDataType.Float];
        var names = _builder.Node(_op, _nodeInputs, outputTypes.Length, _attributes, name: _op.ToLowerInvariant());
        for (int i = 0; i < names.Length; i++) _builder.Output(names[i], outputTypes[i]);
        var proto = _builder.Build();
        // Output ranks are the op's business: declare outputs without shapes rather than guess them.
        foreach (var output in proto.Graph.Output) output.Type.TensorType.Shape = null;
        var model = OnnxModel.Parse(proto.ToByteArray(), $"{_op}.onnx");

        IReadOnlyList<OnnxTensor> expected;
        using (var session = ReferenceSession.Open(model)) expected = session.Run(_feeds);
        using var graph = OnnxGraph.Import(model);
        using var scope = torch.NewDisposeScope();
        torch.Tensor[] actual;
        using (torch.no_grad()) actual = graph.Run(_feeds.Select(f => TensorConversion.ToTorch(f, graph.Device)).ToArray());

        Assert.Equal(expected.Count, actual.Length);
        for (int i = 0; i < expected.Count; i++)
            OutputComparison.AssertClose($"{_op} output {i}", expected[i], actual[i]);
        return actual.Select(a => a.shape).ToArray();
    }
}
