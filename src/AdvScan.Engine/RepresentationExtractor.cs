using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine;

/// <summary>
/// Late-layer activations ("representations") of an imported classifier, for training-data checks such as activation
/// clustering and spectral signatures. By default the value fed into the last fully connected layer (the last Gemm or
/// MatMul whose data input is computed, not a weight): the penultimate features that both methods were published on.
/// A user may name any node (its first output) or value instead.
/// </summary>
/// <remarks>
/// No gradients are taken and nothing after the layer runs (<see cref="OnnxGraph.RunTo"/>). Callers feed batches and
/// copy each result to the host inside their own dispose scope, so device memory stays one batch deep whatever the
/// dataset size.
/// </remarks>
public sealed class RepresentationExtractor
{
    private const int Candidates = 6;
    private readonly OnnxGraph _graph;
    private readonly string[] _value;

    /// <param name="layer">A node name or value name; null picks the input of the last fully connected layer.</param>
    public RepresentationExtractor(OnnxGraph graph, string? layer = null)
    {
        _graph = graph;
        (Layer, Description) = layer is null ? DefaultLayer(graph.Model) : Resolve(graph.Model, layer);
        _value = [Layer];
    }

    /// <summary>The ONNX value whose activations are extracted.</summary>
    public string Layer { get; }

    /// <summary>Where the value sits, in words, for reports ("input of Gemm node 'fc2' (value '/relu_2/Relu_output_0')").</summary>
    public string Description { get; }

    /// <summary>
    /// The representations of one batch of model inputs, flattened to [N, D] float32 on the host, row-major.
    /// </summary>
    public float[] Extract(Tensor modelInput, out int dimensions)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var value = _graph.RunTo(_value, modelInput)[0];
        if (value.dim() == 0 || value.shape[0] != modelInput.shape[0])
            throw new InvalidInputException(_graph.Model.File,
                $"value '{Layer}' has shape [{string.Join(", ", value.shape)}], which is not one row per example of the batch of {modelInput.shape[0]}");
        var flat = value.reshape(value.shape[0], -1);
        dimensions = checked((int)flat.shape[1]);
        return TensorConversion.ToHostFloats(flat);
    }

    /// <summary>The input of the last Gemm/MatMul whose first input is computed by the graph (not an initializer).</summary>
    public static (string Value, string Description) DefaultLayer(OnnxModel model)
    {
        var weights = model.Proto.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        // ONNX requires nodes in topological order, so the last such node in the file is the last layer.
        var last = model.Proto.Graph.Node.LastOrDefault(n => n.OpType is "Gemm" or "MatMul" && n.Input.Count > 0 && !weights.Contains(n.Input[0]))
            ?? throw new InvalidInputException(model.File,
                $"has no fully connected layer (Gemm or MatMul) to take representations from; name a layer. Candidates near the output: {CandidateList(model)}");
        return (last.Input[0], $"input of {last.OpType} node '{OnnxModel.NodeLabel(last)}' (value '{last.Input[0]}')");
    }

    /// <summary>A node name (its first output) or a value produced by a node; anything else is a located error with candidates.</summary>
    public static (string Value, string Description) Resolve(OnnxModel model, string layer)
    {
        var nodes = model.Proto.Graph.Node;
        if (nodes.FirstOrDefault(n => n.Name == layer && n.Output.Count > 0 && n.Output[0].Length > 0) is { } byName)
            return (byName.Output[0], $"output of {byName.OpType} node '{layer}' (value '{byName.Output[0]}')");
        if (nodes.FirstOrDefault(n => n.Output.Contains(layer)) is { } producer)
            return (layer, $"value '{layer}' (output of {producer.OpType} node '{OnnxModel.NodeLabel(producer)}')");
        bool weight = model.Proto.Graph.Initializer.Any(i => i.Name == layer);
        throw new InvalidInputException(model.File,
            (weight ? $"'{layer}' is a weight, not a layer's activations" : $"has no node or value named '{layer}'") +
            $"; candidates near the output: {CandidateList(model)}");
    }

    private static string CandidateList(OnnxModel model) =>
        string.Join(", ", model.Proto.Graph.Node.Reverse().Take(Candidates).Select(n => $"'{OnnxModel.NodeLabel(n)}' ({n.OpType})"));
}
