using AdvScan.Onnx.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine;

/// <summary>
/// Gives the imported graph PyTorch's activation lifetimes. A TorchSharp tensor lives until its dispose scope ends,
/// so without this every intermediate value of a forward pass (and every temporary a kernel made) stayed alive through
/// the backward pass until the attack step's scope closed: memory grew with all activations instead of only those
/// autograd saves (3-4x PyTorch's peak on convnext_tiny and maxvit_t at batch 8). Two rules fix it:
/// a kernel runs in its own scope, which keeps only its outputs, and a value produced in this run is disposed after
/// the last node that reads it. Disposing a handle never frees what autograd saved: libtorch counts its own references.
/// </summary>
internal sealed class ActivationLifetimes(IReadOnlyDictionary<string, int> lastUse)
{
    private readonly Dictionary<Tensor, int> _handles = new(ReferenceEqualityComparer.Instance);

    /// <summary>For each value name, the index of the last executed (unfolded) step that reads it.</summary>
    public static Dictionary<string, int> LastUses(IReadOnlyList<NodeProto?> steps)
    {
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < steps.Count; i++)
            if (steps[i] is { } node)
                foreach (var input in node.Input)
                    if (input.Length > 0) last[input] = i;
        return last;
    }

    /// <summary>
    /// Runs a kernel inside a scope of its own and moves out only the outputs it created; temporaries (a padded copy,
    /// a normalisation's centred input) are freed as the node ends. Outputs that are one of the inputs, a constant or a
    /// weight belong to someone else and are left where they are.
    /// </summary>
    public static Tensor[] RunInOwnScope(Ops.Kernel kernel, Ops.NodeContext context)
    {
        using var scope = torch.NewDisposeScope();
        var results = kernel(context);
        foreach (var result in results)
            if (scope.Contains(result)) result.MoveToOuterDisposeScope();
        return results;
    }

    /// <summary>
    /// Counts a handle a node produced (two names may share one tensor object). A kernel may hand back one of its inputs
    /// unchanged: that object is counted again only if this run produced it; a graph input, constant, weight or cached
    /// shape value passed through is never this run's to dispose.
    /// </summary>
    public void Produced(Tensor tensor, Tensor?[] args)
    {
        bool passedThrough = Array.Exists(args, a => ReferenceEquals(a, tensor));
        if (passedThrough && !_handles.ContainsKey(tensor)) return;
        _handles[tensor] = _handles.GetValueOrDefault(tensor) + 1;
    }

    /// <summary>
    /// After step <paramref name="step"/>: disposes every value it read for the last time, if this run produced it
    /// (graph inputs, constants, weights and cached shape values are not this run's), it is not wanted by the caller,
    /// and no other live name holds the same tensor object.
    /// </summary>
    public void Release(int step, NodeProto node, Dictionary<string, Tensor?> values, IReadOnlyList<string> wanted)
    {
        foreach (var name in node.Input)
        {
            if (name.Length == 0 || lastUse.GetValueOrDefault(name, -1) != step) continue;
            if (!values.TryGetValue(name, out var tensor) || tensor is null || !_handles.TryGetValue(tensor, out var count)) continue;
            if (wanted.Contains(name)) continue;
            values.Remove(name);
            if (count > 1) { _handles[tensor] = count - 1; continue; }
            _handles.Remove(tensor);
            tensor.Dispose();
        }
    }
}
