using AdvScan.Onnx;

namespace AdvScan.Engine.Tests.Architectures;

/// <summary>
/// Emits layers the way torch.onnx.export writes them (Conv with explicit pads, BatchNormalization with running
/// statistics, ReLU6 as Clip with constant bounds, flatten as a Shape-Gather-Unsqueeze-Concat-Reshape subgraph,
/// Linear as Gemm with transB) with seeded He-initialised weights, so activations stay finite in deep nets.
/// </summary>
internal sealed class ExportStyleBuilder
{
    private readonly Random _random;
    private int _layer;

    public ExportStyleBuilder(string name, int seed, long opset = 17)
    {
        B = new OnnxGraphBuilder(name, opset) { ProducerName = "pytorch" };
        _random = new Random(seed);
    }

    public OnnxGraphBuilder B { get; }

    private string Next(string kind) => $"{kind}{_layer++}";

    private static Dictionary<string, object> Attrs(params (string Key, object Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    /// <summary>Uniform with the variance of He initialisation, sqrt(2 / fan_in).</summary>
    public float[] He(long fanIn, long count)
    {
        double bound = Math.Sqrt(6.0 / fanIn);
        var data = new float[count];
        for (long i = 0; i < count; i++) data[i] = (float)((_random.NextDouble() * 2 - 1) * bound);
        return data;
    }

    private float[] Around(float centre, float spread, long count)
    {
        var data = new float[count];
        for (long i = 0; i < count; i++) data[i] = centre + (float)((_random.NextDouble() * 2 - 1) * spread);
        return data;
    }

    public string Input(string name, params object[] shape) => B.Input(name, OnnxDataType.Float, shape);

    public void Output(string value, params object[] shape) => B.Output(value, OnnxDataType.Float, shape);

    public string Conv(string x, long cin, long cout, long kernel, long stride = 1, long pad = 0, long group = 1, bool bias = true)
    {
        var name = Next("conv");
        var w = B.Initializer(name + ".weight", [cout, cin / group, kernel, kernel], He(cin / group * kernel * kernel, cout * (cin / group) * kernel * kernel));
        var inputs = new List<string> { x, w };
        if (bias) inputs.Add(B.Initializer(name + ".bias", [cout], Around(0, 0.05f, cout)));
        return B.Node("Conv", inputs, Attrs(("dilations", new long[] { 1, 1 }), ("group", group), ("kernel_shape", new long[] { kernel, kernel }),
            ("pads", new long[] { pad, pad, pad, pad }), ("strides", new long[] { stride, stride })), name: "/" + name + "/Conv");
    }

    public string BatchNorm(string x, long channels, float epsilon = 1e-5f)
    {
        var name = Next("bn");
        return B.Node("BatchNormalization",
            [x,
             B.Initializer(name + ".weight", [channels], Around(1, 0.2f, channels)),
             B.Initializer(name + ".bias", [channels], Around(0, 0.1f, channels)),
             B.Initializer(name + ".running_mean", [channels], Around(0, 0.1f, channels)),
             B.Initializer(name + ".running_var", [channels], Around(1, 0.3f, channels))],
            Attrs(("epsilon", epsilon), ("momentum", 0.9f)), name: "/" + name + "/BatchNormalization");
    }

    public string Relu(string x) => B.Node("Relu", [x]);

    /// <summary>ReLU6 as exporters write it since opset 11: Clip with constant min and max inputs.</summary>
    public string Relu6(string x) => B.Node("Clip", [x, B.Scalar(0f), B.Scalar(6f)]);

    public string ConvBn(string x, long cin, long cout, long kernel, long stride = 1, long pad = 0, long group = 1, float epsilon = 1e-5f) =>
        BatchNorm(Conv(x, cin, cout, kernel, stride, pad, group, bias: false), cout, epsilon);

    public string ConvBnRelu(string x, long cin, long cout, long kernel, long stride = 1, long pad = 0, long group = 1, float epsilon = 1e-5f) =>
        Relu(ConvBn(x, cin, cout, kernel, stride, pad, group, epsilon));

    public string MaxPool(string x, long kernel, long stride, long pad = 0, bool ceil = false) =>
        B.Node("MaxPool", [x], Attrs(("ceil_mode", ceil ? 1L : 0L), ("kernel_shape", new long[] { kernel, kernel }),
            ("pads", new long[] { pad, pad, pad, pad }), ("strides", new long[] { stride, stride })));

    public string AveragePool(string x, long kernel, long stride, long pad = 0, bool ceil = false, bool countIncludePad = false) =>
        B.Node("AveragePool", [x], Attrs(("ceil_mode", ceil ? 1L : 0L), ("count_include_pad", countIncludePad ? 1L : 0L),
            ("kernel_shape", new long[] { kernel, kernel }), ("pads", new long[] { pad, pad, pad, pad }), ("strides", new long[] { stride, stride })));

    public string GlobalAveragePool(string x) => B.Node("GlobalAveragePool", [x]);

    public string Concat(long axis, params string[] xs) => B.Node("Concat", xs, Attrs(("axis", axis)));

    public string Add(string a, string b) => B.Node("Add", [a, b]);

    public string Dropout(string x) => B.Node("Dropout", [x]);

    /// <summary>A scalar int64 constant, as Gather indices are when an exporter picks one element.</summary>
    public string Index(long value) => B.Initializer(Next("idx"), [], [value]);

    /// <summary>Dimension <paramref name="axis"/> of <paramref name="x"/>'s runtime shape as a 1-element int64 tensor (x.size(axis) in an export).</summary>
    public string Dim(string x, long axis) =>
        B.Node("Unsqueeze", [B.Node("Gather", [B.Node("Shape", [x]), Index(axis)], Attrs(("axis", 0L))), B.Longs(0)]);

    /// <summary>The batch size read from <paramref name="x"/>'s runtime shape.</summary>
    public string BatchDim(string x) => Dim(x, 0);

    /// <summary>torch.flatten(x, 1) as exported: Reshape to [batch, -1] with the batch read from the runtime shape.</summary>
    public string FlattenViaShape(string x) => B.Node("Reshape", [x, Concat(0, BatchDim(x), B.Longs(-1))]);

    public string Flatten(string x) => B.Node("Flatten", [x], Attrs(("axis", 1L)));

    /// <summary>nn.Linear on a 2-D input: Gemm with the weight stored [out, in] and transB.</summary>
    public string Linear(string x, long fin, long fout)
    {
        var name = Next("fc");
        return B.Node("Gemm", [x, B.Initializer(name + ".weight", [fout, fin], He(fin, fin * fout)), B.Initializer(name + ".bias", [fout], Around(0, 0.05f, fout))],
            Attrs(("alpha", 1f), ("beta", 1f), ("transB", 1L)), name: "/" + name + "/Gemm");
    }

    /// <summary>nn.Linear on a 3-D input: MatMul by the transposed weight (stored [in, out]), then Add of the bias.</summary>
    public string LinearMatMul(string x, long fin, long fout, float gain = 1f)
    {
        var name = Next("linear");
        var w = He(fin, fin * fout);
        if (gain != 1f) for (int i = 0; i < w.Length; i++) w[i] *= gain;
        var y = B.Node("MatMul", [x, B.Initializer(name + ".weight_t", [fin, fout], w)], name: "/" + name + "/MatMul");
        return B.Node("Add", [y, B.Initializer(name + ".bias", [fout], Around(0, 0.02f, fout))]);
    }

    public string Initializer(string name, long[] dims, float centre, float spread) =>
        B.Initializer(Next(name), dims, Around(centre, spread, dims.Aggregate(1L, (a, b) => a * b)));
}
