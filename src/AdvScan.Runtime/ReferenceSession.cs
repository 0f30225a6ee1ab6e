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
/// example really fools the deployed model. Runs on ONNX Runtime's CPU execution provider with the scan's thread count,
/// or its CUDA provider when asked (<see cref="RuntimeOptions"/>). Float16 and BFloat16 models are fed and read in their
/// own element type: host floats are rounded to it (round to nearest even) at this boundary, so what ONNX Runtime judges
/// is the quantised example, as the deployed model would see it.
/// </summary>
public sealed class ReferenceSession : IDisposable
{
    private InferenceSession _session;
    private readonly string _inputName;
    private readonly string _display;
    private readonly OnnxModel _model;
    private readonly RuntimeOptions _runtime;
    private List<OrtValue> _shared;

    private ReferenceSession(OnnxModel model, RuntimeOptions runtime, InferenceSession session, List<OrtValue> shared)
    {
        _model = model;
        _runtime = runtime;
        _session = session;
        _shared = shared;
        _display = model.DisplayName;
        _inputName = session.InputMetadata.Keys.First();
    }

    /// <summary>How many of the model's initializers this session reads from arrays it shares with the engine.</summary>
    public int SharedInitializerCount => _shared.Count;

    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    /// <summary>The element type ONNX Runtime is fed for the first input (Float16 for a float16 model, and so on).</summary>
    public OnnxDataType InputElementType => (OnnxDataType)(int)_session.InputMetadata[_inputName].ElementDataType;

    /// <summary>The model's file (or a placeholder for an in-memory model), for messages about its outputs.</summary>
    public string DisplayName => _display;

    /// <summary>
    /// Opens ONNX Runtime on <paramref name="model"/>. <paramref name="sharedWeights"/> (the engine's
    /// <c>OnnxGraph.SharedWeights</c>) are handed to ONNX Runtime as its initializers of those names instead of its own
    /// copies (CPU only, and without pre-packing, which would make a packed copy of each one beside the shared array):
    /// the deployed model then judges with the very values the engine attacks, held once. The arrays stay pinned while
    /// the session lives, whatever happens to the engine's tensors.
    /// </summary>
    public static ReferenceSession Open(OnnxModel model, RuntimeOptions? runtime = null, IReadOnlyCollection<OnnxTensor>? sharedWeights = null)
    {
        runtime ??= RuntimeOptions.Default;
        var shared = new List<OrtValue>();
        var session = Create(model, runtime, sharedWeights, shared);
        return new ReferenceSession(model, runtime, session, shared);
    }

    /// <summary>
    /// Replaces this session's ONNX Runtime session with one over <paramref name="sharedWeights"/> (see
    /// <see cref="Open"/>), for a scan that opened ONNX Runtime before it knew it would import the graph. Call
    /// <see cref="Suspend"/> before the import, so ONNX Runtime's own copy of the weights is gone before the engine makes
    /// its tensors.
    /// </summary>
    public void Resume(IReadOnlyCollection<OnnxTensor>? sharedWeights)
    {
        var shared = new List<OrtValue>();
        var session = Create(_model, _runtime, sharedWeights, shared);
        Release();
        _session = session;
        _shared = shared;
    }

    /// <summary>
    /// Frees ONNX Runtime's session (and with it its copy of the weights) until <see cref="Resume"/>; running in
    /// between is an error.
    /// </summary>
    public void Suspend() => Release();

    private void Release()
    {
        _session?.Dispose();
        _session = null!;
        DisposeAll(_shared);
    }

    private static InferenceSession Create(OnnxModel model, RuntimeOptions runtime, IReadOnlyCollection<OnnxTensor>? sharedWeights, List<OrtValue> shared)
    {
        using var options = CreateSessionOptions(runtime, model.File);
        // What the engine's import freed goes back first, so ONNX Runtime's parse of the file adds to a lower floor.
        NativeHeap.Trim();
        try
        {
            if (sharedWeights is { Count: > 0 } && runtime.Device.Trim().Equals("cpu", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var weight in sharedWeights)
                {
                    if (weight.Type != OnnxDataType.Float || weight.Data is not float[] data)
                        throw new ArgumentException($"shared initializer '{weight.Name}' is {weight.Type}; only float32 arrays are shared", nameof(sharedWeights));
                    var value = OrtValue.CreateTensorValueFromMemory(data, weight.Dims);
                    shared.Add(value);
                    options.AddInitializer(weight.Name, value);
                }
                // A pre-packed weight is a second, reordered copy; ONNX Runtime frees its own original after packing,
                // but never a shared one.
                options.AddSessionConfigEntry("session.disable_prepacking", "1");
            }
            // From the file when there is one, so ONNX Runtime resolves external data beside it itself.
            var session = model.File is not null && File.Exists(model.File)
                ? new InferenceSession(model.File, options)
                : new InferenceSession(model.ToBytes(), options);
            // ONNX Runtime freed its parsed copy of the file (weights included) once the session was built.
            NativeHeap.Trim();
            return session;
        }
        catch (OnnxRuntimeException e)
        {
            // ONNX Runtime's CPU provider has almost no bfloat16 kernels (Gemm, MatMul, Conv among the missing ones).
            bool bfloat16 = model.Inputs.Concat(model.Outputs).Any(v => v.ElementType == OnnxDataType.BFloat16);
            var hint = bfloat16 && e.Message.Contains("NotImplemented", StringComparison.Ordinal) && runtime.Device == "cpu"
                ? " (ONNX Runtime's CPU provider lacks most bfloat16 kernels: judge this model with --device cuda, or export it with float32 compute and bfloat16 inputs/outputs)"
                : "";
            DisposeAll(shared);
            throw new InvalidInputException(model.File, $"ONNX Runtime cannot load the model: {FirstLine(e.Message)}{hint}", inner: e);
        }
        catch
        {
            DisposeAll(shared);
            throw;
        }
    }

    private static void DisposeAll(List<OrtValue> values)
    {
        foreach (var value in values) value.Dispose();
        values.Clear();
    }

    /// <summary>
    /// The session options for <paramref name="runtime"/>: its thread count, and the CUDA execution provider when a CUDA
    /// device is named. A CUDA device without the provider is refused naming what is missing.
    /// </summary>
    internal static SessionOptions CreateSessionOptions(RuntimeOptions runtime, string? file)
    {
        if (runtime.Threads < 1) throw new InvalidInputException(file, $"ONNX Runtime needs at least one thread, got {runtime.Threads}");
        var options = new SessionOptions
        {
            IntraOpNumThreads = runtime.Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            // ONNX Runtime's CPU arena keeps the largest batch's activations reserved after every run, on top of what
            // libtorch needs for the attack's backward pass; without it each run's buffers go back to the allocator.
            EnableCpuMemArena = false,
            // Nor one block per input shape planned for a whole run's intermediates: freed after the run, it left
            // glibc holding a judging pass's worth beside the next attack step (PGD-2 on a ViT-B/16 at batch 1 peaked
            // 11 MiB above the session's opening, 0 without it).
            EnableMemoryPattern = false,
        };
        var device = runtime.Device.Trim().ToLowerInvariant();
        if (device == "cpu") return options;
        try
        {
            if (device != "cuda" && !device.StartsWith("cuda:", StringComparison.Ordinal))
                throw new InvalidInputException(file, $"unknown device '{runtime.Device}' for ONNX Runtime; expected cpu or cuda");
            int index = device == "cuda" ? 0 : int.TryParse(device.AsSpan(5), out var i) && i >= 0 ? i
                : throw new InvalidInputException(file, $"device '{runtime.Device}' is not cuda:N");
            if (!OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider"))
                throw new InvalidInputException(file,
                    $"device '{device}' was asked for, but this ONNX Runtime has no CUDA execution provider (build with -p:AdvScanGpu=true for the ONNX Runtime GPU package); use --device cpu");
            try
            {
                options.AppendExecutionProvider_CUDA(index);
            }
            catch (OnnxRuntimeException e)
            {
                throw new InvalidInputException(file, $"ONNX Runtime's CUDA execution provider cannot start on '{device}': {FirstLine(e.Message)}; use --device cpu", inner: e);
            }
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the model on one float input; returns every output (as float) in graph order. A Float16 or BFloat16 input
    /// is rounded to its type here; such outputs are widened back to float.
    /// </summary>
    public IReadOnlyList<HostTensor> Run(HostTensor input)
    {
        // A model exported with a fixed batch size (often 1) is run on any number of rows in chunks of that size, the
        // last padded with zeros and the padding dropped, so every caller (clean accuracy, verdicts, black-box queries)
        // sees one row per example whatever the export wrote.
        // Read from the model (64-bit), not ONNX Runtime's metadata (32-bit): a declared 10^12 must be refused, not wrapped.
        if (FixedBatch.Of(_model.Inputs) is { } declared && input.Shape.Length > 0 && input.Shape[0] > 0 && input.Shape[0] != declared)
            return FixedBatchRun(input, declared);
        var dims = input.Shape.Select(d => checked((int)d)).ToArray();
        try
        {
            using var results = _session.Run([ToOrt(_inputName, input.Data, dims, _session.InputMetadata[_inputName].ElementDataType)]);
            return results.Select(ToHost).ToList();
        }
        catch (OnnxRuntimeException e) when (OutOfMemory.Is(e))
        {
            throw OutOfMemory.Refuse(_display, input.Shape.Length > 0 ? input.Shape[0] : 1, "in ONNX Runtime", e);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidInputException(_display, $"ONNX Runtime failed on an input of shape [{string.Join(", ", input.Shape)}]: {FirstLine(e.Message)}", inner: e);
        }
    }

    private IReadOnlyList<HostTensor> FixedBatchRun(HostTensor input, long declared)
    {
        long rows = input.Shape[0];
        int perRow = checked((int)(input.Data.Length / rows));
        FixedBatch.Check(declared, perRow, _display);
        int size = (int)declared;
        var chunkShape = (long[])input.Shape.Clone();
        chunkShape[0] = size;
        var parts = new List<(IReadOnlyList<HostTensor> Outputs, int Take)>();
        for (long start = 0; start < rows; start += size)
        {
            int take = (int)Math.Min(size, rows - start);
            var data = new float[checked(perRow * size)];
            Array.Copy(input.Data, start * perRow, data, 0, (long)take * perRow);
            var outputs = Run(new HostTensor(data, chunkShape));
            foreach (var output in outputs)
                if (output.Shape.Length == 0 || output.Shape[0] != size)
                    throw new InvalidInputException(_display, $"declares a fixed batch of {size} but an output has shape [{string.Join(", ", output.Shape)}], so its rows cannot be told apart");
            parts.Add((outputs, take));
        }
        return Enumerable.Range(0, parts[0].Outputs.Count).Select(k =>
        {
            var first = parts[0].Outputs[k];
            int outPerRow = first.Data.Length / size;
            var data = new float[checked((int)rows * outPerRow)];
            int at = 0;
            foreach (var (outputs, take) in parts)
            {
                Array.Copy(outputs[k].Data, 0, data, at, take * outPerRow);
                at += take * outPerRow;
            }
            var shape = (long[])first.Shape.Clone();
            shape[0] = rows;
            return new HostTensor(data, shape);
        }).ToList();
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
                return ToOrt(name, f, dims, declared);
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

    private static NamedOnnxValue ToOrt(string name, float[] data, int[] dims, TensorElementType declared) => declared switch
    {
        TensorElementType.Float16 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<Float16>(data.Select(ReducedPrecision.ToFloat16).ToArray(), dims)),
        TensorElementType.BFloat16 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<BFloat16>(data.Select(ReducedPrecision.ToBFloat16).ToArray(), dims)),
        _ => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(data, dims)),
    };

    private OnnxTensor ToOnnxTensor(DisposableNamedOnnxValue value)
    {
        static long[] Dims<T>(DenseTensor<T> t) => t.Dimensions.ToArray().Select(d => (long)d).ToArray();
        return value.Value switch
        {
            DenseTensor<float> f => new OnnxTensor(value.Name, OnnxDataType.Float, Dims(f), f.Buffer.ToArray()),
            DenseTensor<double> d => new OnnxTensor(value.Name, OnnxDataType.Double, Dims(d), d.Buffer.ToArray()),
            DenseTensor<Float16> h => new OnnxTensor(value.Name, OnnxDataType.Float16, Dims(h), ReducedPrecision.Widen(h.Buffer.Span)),
            DenseTensor<BFloat16> h => new OnnxTensor(value.Name, OnnxDataType.BFloat16, Dims(h), ReducedPrecision.Widen(h.Buffer.Span)),
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
            case DenseTensor<Float16> h:
                return new HostTensor(ReducedPrecision.Widen(h.Buffer.Span), h.Dimensions.ToArray().Select(x => (long)x).ToArray());
            case DenseTensor<BFloat16> h:
                return new HostTensor(ReducedPrecision.Widen(h.Buffer.Span), h.Dimensions.ToArray().Select(x => (long)x).ToArray());
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

    public void Dispose() => Release();
}
