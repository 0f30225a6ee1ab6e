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
