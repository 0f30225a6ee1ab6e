using AdvScan.Onnx;
using AdvScan.Onnx.Protobuf;
using Google.Protobuf;

namespace AdvScan.Checks.Tests.Masking;

/// <summary>
/// Deliberately masked variants of a real fixture model, made by editing its ONNX graph: a saturating softmax head,
/// quantised input, input noise. Written next to each other in a temporary folder so a scan can load them by path.
/// </summary>
internal static class MaskedModels
{
    public static string Fixtures { get; } = FindFixtures();

    public static string PathOf(string name) => Path.Combine(Fixtures, name);

    /// <summary>softmax(temperature * logits): probabilities so saturated that float32 gradients vanish.</summary>
    public static string SaturatingSoftmax(string model, float temperature) => Write(model, "softmax", graph =>
    {
        var output = graph.Output[0];
        string logits = output.Name;
        graph.Initializer.Add(OnnxTensor.FromFloats("masking_temperature", [], [temperature]).ToProto());
        graph.Node.Add(Node("Mul", [logits, "masking_temperature"], "masking_scaled"));
        var softmax = Node("Softmax", ["masking_scaled"], "masking_probabilities");
        softmax.Attribute.Add(OnnxGraphBuilder.Attribute("axis", 1L));
        graph.Node.Add(softmax);
        output.Name = "masking_probabilities";
    });

    /// <summary>Round(levels * x) / levels on the input: a staircase whose gradient is zero almost everywhere.</summary>
    public static string QuantisedInput(string model, float levels) => Prepend(model, "quantised", (graph, input) =>
    {
        graph.Initializer.Add(OnnxTensor.FromFloats("masking_levels", [], [levels]).ToProto());
        return
        [
            Node("Mul", [input, "masking_levels"], "masking_up"),
            Node("Round", ["masking_up"], "masking_round"),
            Node("Div", ["masking_round", "masking_levels"], "masking_quantised"),
        ];
    });

    /// <summary>x + N(0, scale^2) noise drawn afresh on every run: a randomised model.</summary>
    public static string NoisyInput(string model, float scale) => Prepend(model, "noisy", (graph, input) =>
    {
        var noise = Node("RandomNormalLike", [input], "masking_noise");
        noise.Attribute.Add(OnnxGraphBuilder.Attribute("scale", scale));
        // A fixed seed: the noise still differs from run to run of a session, but the same runs give the same noise in
        // every test process, so what the test sees does not depend on chance.
        noise.Attribute.Add(OnnxGraphBuilder.Attribute("seed", 11f));
        return [noise, Node("Add", [input, "masking_noise"], "masking_noisy")];
    });

    /// <summary>
    /// An input purifier that opens with the size of the perturbation: x + g (Round(x) - x), where the gate
    /// g = Round(sigmoid(sharpness (mean |x - Round(x)| - threshold))) is shut on near-binary digits and opens once many
    /// pixels sit away from 0 and 1. Small budgets attack the plain model; at large ones PGD's random start already
    /// opens the gate, the digit is rounded back and the gradient is zero (Round): robust accuracy that rises with
    /// eps, the mark of this masking.
    /// </summary>
    public static string PurifyingInput(string model, float threshold, float sharpness) => Prepend(model, "purifying", (graph, input) =>
    {
        graph.Initializer.Add(OnnxTensor.FromFloats("masking_threshold", [], [threshold]).ToProto());
        graph.Initializer.Add(OnnxTensor.FromFloats("masking_sharpness", [], [sharpness]).ToProto());
        var mean = Node("ReduceMean", ["masking_offset"], "masking_mean");
        mean.Attribute.Add(OnnxGraphBuilder.Attribute("axes", new long[] { 1, 2, 3 }));
        mean.Attribute.Add(OnnxGraphBuilder.Attribute("keepdims", 1L));
        return
        [
            Node("Round", [input], "masking_rounded"),
            Node("Sub", ["masking_rounded", input], "masking_towards"),
            Node("Abs", ["masking_towards"], "masking_offset"),
            mean,
            Node("Sub", ["masking_mean", "masking_threshold"], "masking_excess"),
            Node("Mul", ["masking_excess", "masking_sharpness"], "masking_logit"),
            Node("Sigmoid", ["masking_logit"], "masking_soft_gate"),
            Node("Round", ["masking_soft_gate"], "masking_gate"),
            Node("Mul", ["masking_gate", "masking_towards"], "masking_correction"),
            Node("Add", [input, "masking_correction"], "masking_purified"),
        ];
    });

    private static NodeProto Node(string op, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    /// <summary>Inserts nodes between the graph input and its consumers; the last node's output replaces the input.</summary>
    private static string Prepend(string model, string tag, Func<GraphProto, string, NodeProto[]> nodes) => Write(model, tag, graph =>
    {
        string input = graph.Input[0].Name;
        var added = nodes(graph, input);
        string replacement = added[^1].Output[0];
        foreach (var node in graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == input) node.Input[i] = replacement;
        for (int i = added.Length - 1; i >= 0; i--) graph.Node.Insert(0, added[i]);
    });

    private static string Write(string model, string tag, Action<GraphProto> edit)
    {
        var proto = OnnxModel.Load(PathOf(model)).Proto.Clone();
        edit(proto.Graph);
        var folder = Path.Combine(Path.GetTempPath(), "advscan-masking-tests");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(model)}-{tag}-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }

    private static string FindFixtures()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures");
            if (File.Exists(Path.Combine(candidate, "README.md"))) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures not found above " + AppContext.BaseDirectory);
    }
}
