namespace AdvScan.Onnx;

/// <summary>
/// A model whose inputs declare a fixed batch size (many exporters write 1) is run in chunks of that size, the last
/// padded. The size comes from the model, so it is bounded like any tensor AdvScan allocates for it: a declared batch of
/// 100,000 would otherwise pad ten examples to 78 million floats per chunk and run the graph on all of them.
/// </summary>
public static class FixedBatch
{
    /// <summary>The batch size every input declares (dimension 0 fixed and equal), or null when any is free.</summary>
    public static long? Of(IReadOnlyList<OnnxValueInfo> inputs)
    {
        long? size = null;
        foreach (var input in inputs)
        {
            if (input.Shape is not { Count: > 0 } shape || shape[0].Value is not long n || n <= 0) return null;
            if (size is { } s && s != n) return null;
            size = n;
        }
        return size;
    }

    /// <summary>Refuses a fixed batch whose padded chunk of <paramref name="elementsPerRow"/> elements a row exceeds maxTensorElements.</summary>
    public static void Check(long size, long elementsPerRow, string? file)
    {
        double elements = (double)size * Math.Max(1, elementsPerRow);
        ResourceLimits.Check(elements >= long.MaxValue ? long.MaxValue : (long)elements, ResourceLimits.Current.MaxTensorElements, "maxTensorElements",
            $"a batch of the input's fixed size {size} has an element count that", file);
    }
}
