using AdvScan.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AdvScan.Runtime;

/// <summary>A host-side tensor: row-major float data and its shape.</summary>
public sealed record HostTensor(float[] Data, long[] Shape)
{
    public long Count => Data.LongLength;
}

/// <summary>
/// An ONNX Runtime inference session over a model: the ground truth for clean accuracy and for whether an adversarial
/// example really fools the deployed model. Runs on ONNX Runtime's CPU execution provider, single-threaded within an
/// op so results do not depend on the machine's core count.
/// </summary>
public sealed class ReferenceSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string _display;

    private ReferenceSession(InferenceSession session, string display)
    {
        _session = session;
        _display = display;
        _inputName = session.InputMetadata.Keys.First();
    }

    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    /// <summary>The model's file (or a placeholder for an in-memory model), for messages about its outputs.</summary>
    public string DisplayName => _display;

    public static ReferenceSession Open(OnnxModel model)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            // From the file when there is one, so ONNX Runtime resolves external data beside it itself.
            var session = model.File is not null && File.Exists(model.File)
                ? new InferenceSession(model.File, options)
                : new InferenceSession(model.ToBytes(), options);
            return new ReferenceSession(session, model.DisplayName);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidInputException(model.File, $"ONNX Runtime cannot load the model: {FirstLine(e.Message)}", inner: e);
        }
    }

    /// <summary>Runs the model on one float input; returns every output (as float) in graph order.</summary>
    public IReadOnlyList<HostTensor> Run(HostTensor input)
    {
        var dims = input.Shape.Select(d => checked((int)d)).ToArray();
        var tensor = new DenseTensor<float>(input.Data, dims);
        try
        {
            using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_inputName, tensor)]);
            return results.Select(ToHost).ToList();
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidInputException(_display, $"ONNX Runtime failed on an input of shape [{string.Join(", ", input.Shape)}]: {FirstLine(e.Message)}", inner: e);
        }
    }

    /// <summary>Names of the graph inputs ONNX Runtime expects (initializers excluded), in graph order.</summary>
    public IReadOnlyList<string> InputNames => _session.InputNames;

    /// <summary>
    /// Runs the model on any number of typed inputs, matched to graph inputs by position; returns every output in
    /// graph order with its own element type (floats, doubles, integers as Int64, booleans).
    /// </summary>
    public IReadOnlyList<OnnxTensor> Run(IReadOnlyList<OnnxTensor> inputs)
    {
        var names = _session.InputNames;
        if (inputs.Count != names.Count)
            throw new InvalidInputException(_display, $"expects {names.Count} input(s) ({string.Join(", ", names)}) but was given {inputs.Count}");
        var metadata = _session.InputMetadata;
        var feeds = new List<NamedOnnxValue>(inputs.Count);
        for (int i = 0; i < inputs.Count; i++)
            feeds.Add(ToOrt(names[i], inputs[i], metadata[names[i]].ElementDataType));
        try
        {
            using var results = _session.Run(feeds);
            return results.Select(ToOnnxTensor).ToList();
        }
        catch (OnnxRuntimeException e)
        {
            var shapes = string.Join(", ", inputs.Select(t => "[" + string.Join(",", t.Dims) + "]"));
            throw new InvalidInputException(_display, $"ONNX Runtime failed on inputs {shapes}: {FirstLine(e.Message)}", inner: e);
        }
    }

    /// <summary>Builds an ORT input of the element type the graph declares; integer data is held as long on the host.</summary>
    private NamedOnnxValue ToOrt(string name, OnnxTensor input, TensorElementType declared)
    {
        var dims = input.Dims.Select(d => checked((int)d)).ToArray();
        switch (input.Data)
        {
            case float[] f:
                return NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(f, dims));
            case double[] d:
                return NamedOnnxValue.CreateFromTensor(name, new DenseTensor<double>(d, dims));
            case bool[] b:
                return NamedOnnxValue.CreateFromTensor(name, new DenseTensor<bool>(b, dims));
            case long[] l:
                return declared switch
                {
                    TensorElementType.Int32 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<int>(l.Select(v => checked((int)v)).ToArray(), dims)),
                    TensorElementType.UInt8 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<byte>(l.Select(v => checked((byte)v)).ToArray(), dims)),
                    TensorElementType.Int8 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<sbyte>(l.Select(v => checked((sbyte)v)).ToArray(), dims)),
                    _ => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(l, dims)),
                };
            default:
                throw new InvalidInputException(_display, $"input '{name}' holds {input.Data.GetType().Name} data, which AdvScan cannot pass to ONNX Runtime");
        }
    }

    private OnnxTensor ToOnnxTensor(DisposableNamedOnnxValue value)
    {
        static long[] Dims<T>(DenseTensor<T> t) => t.Dimensions.ToArray().Select(d => (long)d).ToArray();
        return value.Value switch
        {
            DenseTensor<float> f => new OnnxTensor(value.Name, OnnxDataType.Float, Dims(f), f.Buffer.ToArray()),
            DenseTensor<double> d => new OnnxTensor(value.Name, OnnxDataType.Double, Dims(d), d.Buffer.ToArray()),
            DenseTensor<long> l => new OnnxTensor(value.Name, OnnxDataType.Int64, Dims(l), l.Buffer.ToArray()),
            DenseTensor<int> i => new OnnxTensor(value.Name, OnnxDataType.Int32, Dims(i), i.Buffer.ToArray().Select(v => (long)v).ToArray()),
            DenseTensor<byte> u => new OnnxTensor(value.Name, OnnxDataType.UInt8, Dims(u), u.Buffer.ToArray().Select(v => (long)v).ToArray()),
            DenseTensor<sbyte> s => new OnnxTensor(value.Name, OnnxDataType.Int8, Dims(s), s.Buffer.ToArray().Select(v => (long)v).ToArray()),
            DenseTensor<bool> b => new OnnxTensor(value.Name, OnnxDataType.Bool, Dims(b), b.Buffer.ToArray()),
            _ => throw new InvalidInputException(_display, $"output '{value.Name}' has a type AdvScan cannot read ({value.Value?.GetType().Name})"),
        };
    }

    /// <summary>Runs and returns the first output, the logits of a classifier.</summary>
    public HostTensor RunFirst(HostTensor input) => Run(input)[0];

    private static HostTensor ToHost(DisposableNamedOnnxValue value)
    {
        switch (value.Value)
        {
            case DenseTensor<float> f:
                return new HostTensor(f.Buffer.ToArray(), f.Dimensions.ToArray().Select(d => (long)d).ToArray());
            case DenseTensor<double> d:
                return new HostTensor(d.Buffer.ToArray().Select(v => (float)v).ToArray(), d.Dimensions.ToArray().Select(x => (long)x).ToArray());
            case DenseTensor<long> l:
                return new HostTensor(l.Buffer.ToArray().Select(v => (float)v).ToArray(), l.Dimensions.ToArray().Select(x => (long)x).ToArray());
            case DenseTensor<int> i:
                return new HostTensor(i.Buffer.ToArray().Select(v => (float)v).ToArray(), i.Dimensions.ToArray().Select(x => (long)x).ToArray());
            case DenseTensor<bool> b:
                return new HostTensor(b.Buffer.ToArray().Select(v => v ? 1f : 0f).ToArray(), b.Dimensions.ToArray().Select(x => (long)x).ToArray());
            default:
                throw new InvalidInputException(null, $"output '{value.Name}' has a type AdvScan cannot read ({value.Value?.GetType().Name})");
        }
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "..." : line;
    }

    public void Dispose() => _session.Dispose();
}
