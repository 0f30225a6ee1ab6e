using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine;

/// <summary>
/// Runs a graph whose inputs declare a fixed batch size (many exporters write the batch dimension as 1) on any number
/// of rows: in chunks of exactly that size, the last padded with zeros, outputs concatenated with the padding rows
/// dropped. Gradients flow through the slicing and concatenation, so attacks on such a model see the same graph a
/// batch-1 caller would, just batched. The ONNX Runtime side does the same (<c>ReferenceSession.Run</c>).
/// </summary>
internal static class FixedBatches
{
    /// <summary>
    /// <paramref name="run"/> on chunks of <paramref name="size"/> rows; every output must carry the batch in dimension
    /// 0 (a classifier's logits, a layer's activations), which the model's fixed batch already promises.
    /// </summary>
    public static Tensor[] Run(Tensor[] inputs, long size, Func<Tensor[], Tensor[]> run, string? model)
    {
        long rows = inputs[0].shape[0];
        FixedBatch.Check(size, inputs[0].numel() / Math.Max(1, rows), model);
        var parts = new List<Tensor[]>();
        for (long start = 0; start < rows; start += size)
        {
            long take = Math.Min(size, rows - start);
            var chunk = inputs.Select(t => Padded(t.narrow(0, start, take), size)).ToArray();
            var outputs = run(chunk);
            foreach (var output in outputs)
                if (output.dim() == 0 || output.shape[0] != size)
                    throw new InvalidInputException(model, $"declares a fixed batch of {size} but an output has shape [{string.Join(", ", output.shape)}], so its rows cannot be told apart");
            parts.Add(take == size ? outputs : outputs.Select(o => o.narrow(0, 0, take)).ToArray());
        }
        return Enumerable.Range(0, parts[0].Length)
            .Select(k => parts.Count == 1 ? parts[0][k] : torch.cat(parts.Select(p => p[k]).ToList(), 0))
            .ToArray();
    }

    private static Tensor Padded(Tensor rows, long size)
    {
        if (rows.shape[0] == size) return rows;
        var shape = rows.shape.ToArray();
        shape[0] = size - rows.shape[0];
        return torch.cat([rows, torch.zeros(shape, rows.dtype, rows.device)], 0);
    }
}
