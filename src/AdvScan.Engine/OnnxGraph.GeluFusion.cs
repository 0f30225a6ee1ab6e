using AdvScan.Engine.Ops;
using AdvScan.Onnx.Protobuf;
using static TorchSharp.torch;

namespace AdvScan.Engine;

public sealed partial class OnnxGraph
{
    /// <summary>
    /// Runs the five nodes PyTorch's exporter writes for an exact GELU before opset 20, x * (1 + erf(x / sqrt 2)) * 0.5
    /// (Div, Erf, Add, Mul, Mul), as one Gelu step. The result is the same function; what changes is what autograd keeps
    /// for the backward pass: the chain saves erf's input and the Add's output beside x, two tensors the width of the
    /// MLP's hidden layer per block (2 x 19 MiB per ViT-B/16 block at batch 8), where a fused GELU saves x alone.
    /// Fused only where every intermediate value feeds just the next node of the chain and is no graph output.
    /// </summary>
    private void FuseErfGelu()
    {
        if (!OpRegistry.TryGet("", "Gelu", out var gelu)) return;
        var live = _plan.Where(p => !p.Folded && !p.ShapeOnly).ToList();
        var producer = new Dictionary<string, PlannedNode>(StringComparer.Ordinal);
        var readers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var step in _plan.Where(p => !p.Folded))
        {
            foreach (var output in step.Node.Output) producer[output] = step;
            foreach (var input in step.Node.Input) readers[input] = readers.GetValueOrDefault(input) + 1;
        }
        var consumer = new Dictionary<string, PlannedNode>(StringComparer.Ordinal);
        foreach (var step in live)
            foreach (var input in step.Node.Input)
                consumer[input] = step;

        var removed = new HashSet<PlannedNode>();
        var replaced = new Dictionary<PlannedNode, PlannedNode>();
        foreach (var erf in live.Where(p => p.Node.OpType == "Erf" && p.Node.Input.Count == 1))
        {
            if (!producer.TryGetValue(erf.Node.Input[0], out var div) || div.Node.OpType != "Div" || div.Node.Input.Count != 2 || div.Folded || div.ShapeOnly
                || !IsScalar(div.Node.Input[1], Math.Sqrt(2)))
                continue;
            string x = div.Node.Input[0];
            if (Next(div, "Erf") != erf) continue;
            var add = Next(erf, "Add");
            if (add is null || OtherInput(add, erf.Node.Output[0]) is not { } one || !IsScalar(one, 1)) continue;
            var mul = Next(add, "Mul");
            if (mul is null || OtherInput(mul, add.Node.Output[0]) != x) continue;
            var half = Next(mul, "Mul");
            if (half is null || OtherInput(half, mul.Node.Output[0]) is not { } h || !IsScalar(h, 0.5)) continue;

            var node = new NodeProto { Name = half.Node.Name, OpType = "Gelu", Domain = "" };
            node.Input.Add(x);
            node.Output.Add(half.Node.Output[0]);
            replaced[half] = new PlannedNode(node, gelu, half.Opset);
            removed.UnionWith([div, erf, add, mul]);
        }
        if (replaced.Count == 0) return;
        for (int i = 0; i < _plan.Count; i++)
            if (replaced.TryGetValue(_plan[i], out var fused)) _plan[i] = fused;
        _plan.RemoveAll(removed.Contains);

        // The one node reading step's single output, when it is of the given type, that output is read nowhere else
        // and is no graph output.
        PlannedNode? Next(PlannedNode step, string opType)
        {
            if (step.Node.Output.Count != 1) return null;
            var value = step.Node.Output[0];
            if (readers.GetValueOrDefault(value) != 1 || _outputNames.Contains(value) || !consumer.TryGetValue(value, out var next)) return null;
            return next.Node.OpType == opType ? next : null;
        }

        static string? OtherInput(PlannedNode step, string value) =>
            step.Node.Input.Count != 2 ? null : step.Node.Input[0] == value ? step.Node.Input[1] : step.Node.Input[1] == value ? step.Node.Input[0] : null;
    }

    /// <summary>Whether a value is a constant single floating-point number within float rounding of <paramref name="expected"/>.</summary>
    private bool IsScalar(string name, double expected)
    {
        Tensor? value = _constants.GetValueOrDefault(name) ?? (Options.TrainableInitializers ? null : _weights.GetValueOrDefault(name));
        if (value is null || value.numel() != 1 || !value.is_floating_point()) return false;
        double actual = value.cpu().to_type(ScalarType.Float64).item<double>();
        return Math.Abs(actual - expected) <= 1e-6 * Math.Abs(expected);
    }
}
