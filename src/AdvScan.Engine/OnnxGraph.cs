using AdvScan.Engine.Ops;
using AdvScan.Onnx;
using AdvScan.Onnx.Protobuf;
using System.Runtime.InteropServices;
using Google.Protobuf;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AdvScan.Engine;

/// <summary>
/// An ONNX model executed as a TorchSharp graph: gradients flow from outputs to inputs (and to initializers when they
/// are trainable). Nodes run in topological order. Two kinds of work are done once instead of per batch:
/// subgraphs over frozen constants are folded at import, and shape subgraphs (Shape/Gather/Unsqueeze/Concat feeding
/// Reshape, as exporters emit) are evaluated on the host once per distinct input shape and then reused as constants.
/// </summary>
public sealed partial class OnnxGraph : nn.Module<Tensor, Tensor>
{
    private const int MaxCachedShapeSignatures = 32;
    private const long LargeModelBytes = 64L << 20;
    private static readonly HashSet<string> ShapeOnlyOps = ["Shape", "Size"];
    private static readonly HashSet<string> NonDeterministicOps = ["RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"];

    private readonly OnnxModel _model;
    private readonly List<PlannedNode> _plan;
    private readonly Dictionary<string, Parameter> _weights = new(StringComparer.Ordinal);
    private readonly List<OnnxTensor> _hostWeights = [];
    private readonly Dictionary<string, Tensor> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _constantLongs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, Tensor>> _shapeCache = new(StringComparer.Ordinal);
    private readonly HashSet<string> _shapeValues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _lastUse;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    private OnnxGraph(OnnxModel model, ImportOptions options) : base("OnnxGraph")
    {
        _model = model;
        Options = options;
        Device = ComputeDevice.Resolve(options.Device);
        _inputNames = model.Inputs.Select(i => i.Name).ToArray();
        _outputNames = model.Outputs.Select(o => o.Name).ToArray();

        var unsupported = model.Proto.Graph.Node
            .Where(n => !OpRegistry.TryGet(n.Domain, n.OpType, out _))
            .Select(n => (OpType: string.IsNullOrEmpty(n.Domain) ? n.OpType : $"{n.Domain}:{n.OpType}", Node: OnnxModel.NodeLabel(n)))
            .ToList();
        if (unsupported.Count > 0) throw new UnsupportedModelException(model.File, unsupported);

        _plan = Sort(model);
        LoadInitializers(options.TrainableInitializers);
        MarkShapeSubgraphs();
        FoldConstants();
        ReleaseFoldedAway();
        FuseErfGelu();
        _lastUse = ActivationLifetimes.LastUses(_plan.Select(p => p.Folded ? null : p.Node).ToList());
        OpHistogram = model.Proto.Graph.Node.GroupBy(n => n.OpType).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
    }

    public ImportOptions Options { get; }
    public Device Device { get; }
    public OnnxModel Model => _model;
    public IReadOnlyList<OnnxValueInfo> Inputs => _model.Inputs;
    public IReadOnlyList<OnnxValueInfo> Outputs => _model.Outputs;
    /// <summary>How many nodes of each op type the model has (by op type, ordinal order).</summary>
    public IReadOnlyDictionary<string, int> OpHistogram { get; }
    /// <summary>Nodes left to execute per batch after import-time folding.</summary>
    public int ExecutedNodeCount => _plan.Count(p => !p.Folded);

    /// <summary>Loads and imports a model file.</summary>
    public static OnnxGraph Load(string path, ImportOptions? options = null) => Import(OnnxModel.Load(path), options);

    /// <summary>Imports a parsed model. Unsupported ops, bad tensors and non-finite weights fail here, before any work.</summary>
    public static OnnxGraph Import(OnnxModel model, ImportOptions? options = null)
    {
        // A large model's file bytes are garbage once parsed, but nothing on the managed heap asks for a collection
        // before the weights' native copies are made (a ViT-B/16's 330 MB stayed through import): collect first.
        if (model.File is not null && File.Exists(model.File) && new FileInfo(model.File).Length > LargeModelBytes)
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        using var scope = torch.NewDisposeScope();
        var graph = new OnnxGraph(model, options ?? ImportOptions.Default);
        return graph;
    }

    /// <summary>Runs a single-input model and returns its first output (the logits, for a classifier).</summary>
    public override Tensor forward(Tensor input) => Run(input)[0];

    /// <summary>Runs the graph on inputs given in graph-input order; returns outputs in graph-output order.</summary>
    public Tensor[] Run(params Tensor[] inputs) => Evaluate(inputs, _outputNames);

    /// <summary>
    /// Runs the graph only as far as the named intermediate values (node outputs) and returns them, for work that reads
    /// a layer's activations (poisoning checks) rather than the outputs. Nodes after the last value asked for are not
    /// executed. Unknown names are an <see cref="InvalidInputException"/>; <see cref="RepresentationExtractor"/> checks
    /// them up front with candidates.
    /// </summary>
    public Tensor[] RunTo(IReadOnlyList<string> valueNames, params Tensor[] inputs) => Evaluate(inputs, valueNames);

    private Tensor[] Evaluate(Tensor[] inputs, IReadOnlyList<string> wanted)
    {
        // Attack steps free and allocate the same batch-sized tensors over and over: keep them on the C heap. Set at
        // the first pass, not at import: ONNX Runtime opens its session between the two in a scan, and its parse of the
        // file peaked 120-230 MiB higher (ViT-B/16) when that ran under this policy.
        NativeHeap.ReuseFreedMemory();
        if (inputs.Length != _inputNames.Length)
            throw new InvalidInputException(_model.File, $"expects {_inputNames.Length} input(s) ({string.Join(", ", _inputNames)}) but was given {inputs.Length}");
        // A model exported with a fixed batch size runs any number of rows in chunks of that size.
        if (FixedBatch.Of(_model.Inputs) is { } fixedBatch && inputs.Length > 0 && inputs[0].dim() > 0
            && inputs.All(t => t.dim() > 0 && t.shape[0] == inputs[0].shape[0]) && inputs[0].shape[0] is var rows && rows != fixedBatch && rows > 0)
            return FixedBatches.Run(inputs, fixedBatch, chunk => Evaluate(chunk, wanted), _model.File);
        var values = new Dictionary<string, Tensor?>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Length; i++)
        {
            CheckShape(_model.Inputs[i], inputs[i]);
            var input = IsOn(inputs[i], Device) ? inputs[i] : inputs[i].to(Device);
            values[_inputNames[i]] = ReducedPrecisionBoundary.Round(input, _model.Inputs[i].ElementType);
        }

        var signature = string.Join(";", inputs.Select(t => $"{t.dtype}[{string.Join(",", t.shape)}]"));
        var cached = _shapeCache.GetValueOrDefault(signature);
        var fresh = cached is null && _shapeValues.Count > 0 ? new Dictionary<string, Tensor>(StringComparer.Ordinal) : null;

        // Running up to intermediate values stops once all of them exist; the shape cache is then not stored (the shape
        // nodes after the stop have not run), so a later full run of this signature still evaluates them.
        var missing = new HashSet<string>(wanted.Where(n => Lookup(n, values, cached) is null), StringComparer.Ordinal);
        bool complete = true;
        var lifetimes = new ActivationLifetimes(_lastUse);
        for (int stepIndex = 0; stepIndex < _plan.Count; stepIndex++)
        {
            var step = _plan[stepIndex];
            if (missing.Count == 0 && !ReferenceEquals(wanted, _outputNames)) { complete = false; break; }
            if (step.Folded) continue;
            if (step.ShapeOnly && cached is not null) continue;
            var node = step.Node;
            var args = new Tensor?[node.Input.Count];
            var home = step.ShapeOnly ? torch.CPU : Device;
            bool keepPlace = ShapeOnlyOps.Contains(node.OpType);
            for (int i = 0; i < args.Length; i++)
            {
                var a = Lookup(node.Input[i], values, cached);
                // Shape subgraphs live on the host (no device sync to read a shape); compute lives on the device.
                args[i] = a is null || keepPlace || IsOn(a, home) ? a : a.to(home);
            }
            Tensor[] results;
            try
            {
                var context = new NodeContext(node, step.Opset, home, args,
                    i => i < node.Input.Count ? HostLongs(node.Input[i], cached) : null, _model.File);
                results = ActivationLifetimes.RunInOwnScope(step.Kernel, context);
            }
            catch (InvalidInputException) { throw; }
            catch (Exception e) when (OutOfMemory.Is(e))
            {
                throw OutOfMemory.Refuse(_model.File, inputs.Length > 0 && inputs[0].dim() > 0 ? inputs[0].shape[0] : 1,
                    $"in node '{UntrustedText.Escape(OnnxModel.NodeLabel(node), 60)}' ({node.OpType})", e);
            }
            catch (Exception e) when (IsKernelFailure(e))
            {
                throw NodeFailed(node, args, e);
            }
            for (int o = 0; o < node.Output.Count && o < results.Length; o++)
            {
                if (node.Output[o].Length == 0) continue;
                values[node.Output[o]] = results[o];
                lifetimes.Produced(results[o], args);
                missing.Remove(node.Output[o]);
                if (step.ShapeOnly && fresh is not null) fresh[node.Output[o]] = HostCopy(results[o]);
            }
            // Outputs the node does not name (LayerNormalization's mean and inverse deviation when only Y is used) are
            // nobody's: freed now rather than with the caller's scope.
            for (int o = 0; o < results.Length; o++)
                if ((o >= node.Output.Count || node.Output[o].Length == 0) && !IsNamedOrInput(results, o, node, args))
                    results[o].Dispose();
            lifetimes.Release(stepIndex, node, values, wanted);
        }
        if (fresh is not null && complete)
        {
            if (_shapeCache.Count >= MaxCachedShapeSignatures) ClearShapeCache();
            _shapeCache[signature] = fresh;
        }
        else if (fresh is not null)
        {
            // Copies made for the cache that is not stored; the wanted values are read from `values`, not from these.
            var result = wanted.Select(name => Lookup(name, values, null) ?? throw new InvalidInputException(_model.File, $"value '{name}' was not produced")).ToArray();
            foreach (var t in fresh.Values) t.Dispose();
            return result;
        }
        var outputs = wanted.Select(name => Lookup(name, values, cached ?? fresh) ?? throw new InvalidInputException(_model.File, $"value '{name}' was not produced")).ToArray();
        if (ReferenceEquals(wanted, _outputNames))
            for (int o = 0; o < outputs.Length; o++) outputs[o] = ReducedPrecisionBoundary.Round(outputs[o], _model.Outputs[o].ElementType);
        return outputs;
    }

    /// <summary>Parameters by their ONNX initializer names (float initializers only).</summary>
    public IReadOnlyDictionary<string, Parameter> Initializers => _weights;

    /// <summary>
    /// The frozen float32 initializers (over <see cref="OnnxModel.SharedInitializerBytes"/> each) whose engine tensors
    /// are views of these host arrays, so ONNX Runtime can be handed the same arrays instead of holding a second copy
    /// of the weights (see ReferenceSession.Open). Empty when the weights are trainable (an optimizer writes them) or
    /// live on a GPU. The arrays must never be written while a session reads them: a frozen graph never writes them.
    /// </summary>
    public IReadOnlyList<OnnxTensor> SharedWeights => _hostWeights;

    /// <summary>
    /// Writes the model back to ONNX with every float initializer replaced by its current value. Everything else in
    /// the file (graph, metadata, opsets) is kept as it was.
    /// </summary>
    public ModelProto ExportModel()
    {
        if (_model.WeightsReleased)
            throw new InvalidOperationException($"{_model.DisplayName}: its initializer data was released after import, so it cannot be written back; import a freshly loaded model");
        var proto = _model.Proto.Clone();
        var graph = proto.Graph;
        for (int i = 0; i < graph.Initializer.Count; i++)
        {
            var original = graph.Initializer[i];
            if (!_weights.TryGetValue(original.Name, out var parameter)) continue;
            if ((OnnxDataType)original.DataType != OnnxDataType.Float) continue;
            var replacement = OnnxTensor.FromFloats(original.Name, original.Dims.ToArray(), TensorConversion.ToHostFloats(parameter)).ToProto();
            replacement.DocString = original.DocString;
            graph.Initializer[i] = replacement;
        }
        return proto;
    }

    public void Save(string path) => File.WriteAllBytes(path, ExportModel().ToByteArray());

    private void ClearShapeCache()
    {
        foreach (var entry in _shapeCache.Values)
            foreach (var t in entry.Values) t.Dispose();
        _shapeCache.Clear();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ClearShapeCache();
            foreach (var t in _constants.Values) t.Dispose();
            _constants.Clear();
        }
        base.Dispose(disposing);
        // What the engine's steps kept for reuse goes back to the kernel with the graph (a host process lives on).
        if (disposing) NativeHeap.Trim();
    }

    private Tensor? Lookup(string name, Dictionary<string, Tensor?> values, Dictionary<string, Tensor>? cached)
    {
        if (name.Length == 0) return null;
        if (values.TryGetValue(name, out var v)) return v;
        if (cached is not null && cached.TryGetValue(name, out var c)) return c;
        if (_constants.TryGetValue(name, out var k)) return k;
        if (_weights.TryGetValue(name, out var p)) return p;
        return null;
    }

    private long[]? HostLongs(string name, Dictionary<string, Tensor>? cached)
    {
        if (_constantLongs.TryGetValue(name, out var longs)) return longs;
        if (cached is not null && cached.TryGetValue(name, out var c) && !c.is_floating_point())
            return c.to_type(ScalarType.Int64).data<long>().ToArray();
        return null;
    }

    private void CheckShape(OnnxValueInfo declared, Tensor actual)
    {
        if (declared.Shape is null) return;
        bool ok = declared.Shape.Count == actual.dim();
        for (int d = 0; ok && d < declared.Shape.Count; d++)
            if (declared.Shape[d].Value is long fixedSize && fixedSize > 0 && fixedSize != actual.shape[d]) ok = false;
        if (!ok)
            throw new InvalidInputException(_model.File,
                $"input '{declared.Name}' expects shape {declared.ShapeText} but was given [{string.Join(", ", actual.shape)}]");
    }

    private void LoadInitializers(bool trainable)
    {
        int index = 0;
        foreach (var tensor in _model.DecodeInitializers())
        {
            bool finite = tensor.Data switch
            {
                float[] floats => Array.TrueForAll(floats, float.IsFinite),
                double[] doubles => Array.TrueForAll(doubles, double.IsFinite),
                _ => true,
            };
            if (!finite) throw new InvalidInputException(_model.File, $"initializer '{tensor.Name}' contains NaN or infinite weights");
            // A float32 weight on the CPU is a view of its decoded array, not a copy of it (torch.tensor copies), so
            // the array can also be ONNX Runtime's: one copy of the weights for both runtimes.
            bool hostView = tensor.Data is float[] { Length: > 0 } && Device.type == DeviceType.CPU;
            var value = hostView ? ViewOf((float[])tensor.Data, tensor.Dims) : TensorConversion.ToTorch(tensor, Device);
            if (hostView && !trainable && tensor.Type == OnnxDataType.Float && tensor.Data.Length * 4L > OnnxModel.SharedInitializerBytes)
                _hostWeights.Add(tensor);
            if (tensor.Type == OnnxDataType.Float)
            {
                // Created inside Import's dispose scope, which must not take the weights with it.
                var parameter = new Parameter(value.DetachFromDisposeScope(), requires_grad: trainable);
                parameter.DetachFromDisposeScope();
                _weights[tensor.Name] = parameter;
                register_parameter($"p{index++}", parameter);
            }
            else
            {
                _constants[tensor.Name] = value.DetachFromDisposeScope();
                if (tensor.Data is long[] l) _constantLongs[tensor.Name] = l;
            }
        }
    }

    /// <summary>A tensor over <paramref name="data"/> itself (pinned while libtorch holds it), shaped <paramref name="dims"/>.</summary>
    private static Tensor ViewOf(float[] data, long[] dims)
    {
        using var flat = torch.frombuffer(data, ScalarType.Float32);
        return flat.view(dims);
    }

    /// <summary>Marks nodes whose outputs depend only on input shapes and constants (never on input values).</summary>
    private void MarkShapeSubgraphs()
    {
        var known = new HashSet<string>(_constants.Keys, StringComparer.Ordinal);
        if (!Options.TrainableInitializers) known.UnionWith(_weights.Keys);
        foreach (var step in _plan)
        {
            var node = step.Node;
            bool shapeOnly = !NonDeterministicOps.Contains(node.OpType) &&
                (ShapeOnlyOps.Contains(node.OpType) || node.Input.All(i => i.Length == 0 || known.Contains(i) || _shapeValues.Contains(i)));
            step.ShapeOnly = shapeOnly;
            if (shapeOnly) foreach (var o in node.Output) _shapeValues.Add(o);
        }
    }

    /// <summary>Evaluates, once, every shape-only node that does not read any runtime shape: pure constant folding.</summary>
    private void FoldConstants()
    {
        var constant = new HashSet<string>(_constants.Keys, StringComparer.Ordinal);
        if (!Options.TrainableInitializers) constant.UnionWith(_weights.Keys);
        foreach (var step in _plan)
        {
            var node = step.Node;
            if (!step.ShapeOnly || ShapeOnlyOps.Contains(node.OpType)) continue;
            if (!node.Input.All(i => i.Length == 0 || constant.Contains(i))) continue;
            var args = node.Input.Select(i => i.Length == 0 ? null : (Tensor?)(_constants.GetValueOrDefault(i) ?? _weights.GetValueOrDefault(i))).ToArray();
            Tensor[] results;
            var context = new NodeContext(node, step.Opset, Device, args, i => i < node.Input.Count ? _constantLongs.GetValueOrDefault(node.Input[i]) : null, _model.File);
            // Sizes that come from values (ConstantOfShape, Expand, Tile, Range, Pad, Resize, broadcasts) are checked
            // before the kernel allocates them; every other output after.
            try
            {
                FoldedSize.CheckBefore(context);
                using (torch.no_grad()) results = step.Kernel(context);
            }
            catch (Exception e) when (IsKernelFailure(e))
            {
                throw NodeFailed(node, args, e);
            }
            for (int o = 0; o < node.Output.Count && o < results.Length; o++)
            {
                FoldedSize.CheckAfter(context, results[o].numel());
                var value = results[o].detach().DetachFromDisposeScope();
                _constants[node.Output[o]] = value;
                constant.Add(node.Output[o]);
                if (!value.is_floating_point() && value.numel() <= 1 << 16)
                    _constantLongs[node.Output[o]] = value.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
            }
            step.Folded = true;
        }
    }

    /// <summary>
    /// Frees the constants that only folded nodes read: their folded results replace them, and keeping both held two
    /// copies of, for example, a weight an exporter stored in another layout and transposed or cast in the graph.
    /// </summary>
    private void ReleaseFoldedAway()
    {
        var read = new HashSet<string>(_plan.Where(p => !p.Folded).SelectMany(p => p.Node.Input), StringComparer.Ordinal);
        read.UnionWith(_outputNames);
        foreach (var name in _constants.Keys.Where(n => !read.Contains(n)).ToList())
        {
            _constants[name].Dispose();
            _constants.Remove(name);
        }
    }

    /// <summary>
    /// Orders the nodes in waves, in linear time (Kahn's algorithm over value names): wave k holds, in file order, every
    /// node whose last missing input a node of wave k-1 produced. A value produced twice is available from its first
    /// producer. The order is the one the earlier quadratic scan produced, so random ops draw in the same sequence.
    /// </summary>
    private static List<PlannedNode> Sort(OnnxModel model)
    {
        var graph = model.Proto.Graph;
        var nodes = graph.Node;
        var available = new HashSet<string>(StringComparer.Ordinal) { "" };
        foreach (var i in graph.Input) available.Add(i.Name);
        foreach (var i in graph.Initializer) available.Add(i.Name);

        // For every value not yet available, the nodes waiting on it (once per input slot), and per node the count.
        var waiting = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var missing = new int[nodes.Count];
        var wave = new List<int>();
        for (int n = 0; n < nodes.Count; n++)
        {
            foreach (var input in nodes[n].Input)
            {
                if (available.Contains(input)) continue;
                missing[n]++;
                if (!waiting.TryGetValue(input, out var list)) waiting[input] = list = [];
                list.Add(n);
            }
            if (missing[n] == 0) wave.Add(n);
        }

        var ordered = new List<PlannedNode>(nodes.Count);
        while (wave.Count > 0)
        {
            var next = new List<int>();
            foreach (var n in wave)
            {
                var node = nodes[n];
                OpRegistry.TryGet(node.Domain, node.OpType, out var kernel);
                var domain = OnnxModel.NormalizeDomain(node.Domain);
                var opset = model.Opsets.TryGetValue(domain, out var v) ? v : model.DefaultOpset;
                ordered.Add(new PlannedNode(node, kernel, opset));
            }
            foreach (var n in wave)
                foreach (var output in nodes[n].Output)
                    if (available.Add(output) && waiting.Remove(output, out var consumers))
                        foreach (var c in consumers)
                            if (--missing[c] == 0) next.Add(c);
            next.Sort();
            wave = next;
        }
        if (ordered.Count < nodes.Count)
        {
            int stuck = Array.FindIndex(missing, m => m > 0);
            throw new InvalidInputException(model.File,
                $"graph has a cycle or unresolved inputs around node '{UntrustedText.Escape(OnnxModel.NodeLabel(nodes[stuck]))}' ({UntrustedText.Escape(nodes[stuck].OpType)})");
        }
        return ordered;
    }

    /// <summary>A detached host handle for the shape cache, leaving no intermediate handle in the caller's scope.</summary>
    private static Tensor HostCopy(Tensor value)
    {
        var copy = value.detach();
        if (!IsOn(copy, torch.CPU))
        {
            var host = copy.cpu();
            copy.Dispose();
            copy = host;
        }
        return copy.DetachFromDisposeScope();
    }

    private static bool IsNamedOrInput(Tensor[] results, int index, NodeProto node, Tensor?[] args)
    {
        var result = results[index];
        if (Array.Exists(args, a => ReferenceEquals(a, result))) return true;
        for (int o = 0; o < results.Length; o++)
            if (o != index && o < node.Output.Count && node.Output[o].Length > 0 && ReferenceEquals(results[o], result)) return true;
        return false;
    }

    /// <summary>
    /// Whether <paramref name="tensor"/> already lives on <paramref name="device"/>. TorchSharp's Device has no value
    /// equality (`tensor.device == device` compares two objects and is never true), and `to` on the same device returns
    /// a new handle aliasing the input: made for every input of every node, those handles outlived the lifetimes'
    /// disposal and kept every activation of a forward pass alive until the caller's scope ended (350 MiB for a
    /// ViT-B/16 at batch 1, where autograd saves about half of that).
    /// </summary>
    internal static bool IsOn(Tensor tensor, Device device) =>
        tensor.device_type == device.type && (device.type == DeviceType.CPU || tensor.device_index == Math.Max(0, (int)device.index));

    /// <summary>What a kernel throws on inputs it cannot take (libtorch errors, shape and range checks): bad input, located at the node.</summary>
    private static bool IsKernelFailure(Exception e) =>
        e is ExternalException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException;

    private InvalidInputException NodeFailed(NodeProto node, Tensor?[] args, Exception e)
    {
        var shapes = string.Join(", ", args.Select(a => a is null ? "-" : "[" + string.Join(",", a.shape) + "]"));
        return new InvalidInputException(_model.File,
            $"node '{UntrustedText.Escape(OnnxModel.NodeLabel(node))}' ({UntrustedText.Escape(node.OpType)}) failed on inputs {shapes}: {UntrustedText.Escape(FirstLine(e.Message), 300)}", inner: e);
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "..." : line;
    }

    private sealed class PlannedNode(NodeProto node, Kernel kernel, long opset)
    {
        public NodeProto Node { get; } = node;
        public Kernel Kernel { get; } = kernel;
        public long Opset { get; } = opset;
        public bool ShapeOnly { get; set; }
        public bool Folded { get; set; }
    }
}
