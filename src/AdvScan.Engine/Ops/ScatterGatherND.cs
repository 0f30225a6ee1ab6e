using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Ops;

/// <summary>
/// ScatterND and GatherND address slices of the data by index tuples in the last axis of <c>indices</c>. Both are run
/// as one index operation on the data with its first k axes flattened (k = the tuple length): the tuples become row
/// numbers, so the op is a single differentiable index_copy / index_add / index_reduce / index_select whatever its rank.
/// torchvision's Swin builds its shifted-window attention mask with 45 ScatterND nodes.
/// </summary>
internal static class ScatterGatherND
{
    /// <summary>
    /// ScatterND (opset 11; reduction add/mul from 16, max/min from 18): a copy of the data with the addressed slices
    /// replaced by (or combined with) the updates. With reduction none, duplicate tuples are undefined in ONNX; here the
    /// last one wins, as in ONNX Runtime.
    /// </summary>
    [OnnxOp("ScatterND")]
    public static Tensor[] ScatterND(NodeContext c)
    {
        var data = c.Input(0);
        var indices = c.Input(1);
        var updates = c.Input(2);
        long k = indices.shape[^1];
        if (indices.dim() < 1 || k < 1 || k > data.dim())
            throw c.Fail($"has index tuples of length {k} for rank-{data.dim()} data");
        long[] sliceShape = data.shape[(int)k..];
        long[] expectedUpdates = [.. indices.shape[..^1], .. sliceShape];
        if (!updates.shape.SequenceEqual(expectedUpdates))
            throw c.Fail($"has updates of shape [{string.Join(", ", updates.shape)}]; indices [{string.Join(", ", indices.shape)}] with data [{string.Join(", ", data.shape)}] need [{string.Join(", ", expectedUpdates)}]");

        var rows = RowNumbers(c, 1, data.shape[..(int)k], batch: 1);
        var flat = data.reshape([-1, .. sliceShape]);
        var source = updates.reshape([-1, .. sliceShape]).to_type(data.dtype);
        var reduction = c.String("reduction", "none");
        if (reduction == "add")
        {
            using var one = 1.ToScalar();
            return [flat.index_add(0, Rows(rows, data.device), source, one).reshape(data.shape)];
        }
        Func<Tensor, Tensor, Tensor> combine = reduction switch
        {
            "none" => (_, update) => update,
            "mul" => (current, update) => current.mul(update),
            "max" => torch.maximum,
            "min" => torch.minimum,
            _ => throw c.Fail($"has unknown reduction '{reduction}'"),
        };
        // Tuples that address the same row are applied in order, one layer per repeat (the j-th occurrence of every
        // row in layer j), so a row updated twice is combined twice, as the spec's sequential loop does, and the last
        // update wins under reduction none. Exporters' tuples are distinct: one layer, one index_copy.
        var result = flat;
        foreach (var (layerRows, positions) in Layers(rows))
        {
            var at = Rows(layerRows, data.device);
            var update = positions.Length == rows.Length ? source : source.index_select(0, Rows(positions, data.device));
            result = result.index_copy(0, at, combine(result.index_select(0, at), update));
        }
        return [result.reshape(data.shape)];
    }

    /// <summary>GatherND (opset 11; batch_dims from 12): the slices the index tuples address, in the indices' layout.</summary>
    [OnnxOp("GatherND")]
    public static Tensor[] GatherND(NodeContext c)
    {
        var data = c.Input(0);
        var indices = c.Input(1);
        long batchDims = c.Int("batch_dims", 0);
        long k = indices.shape[^1];
        if (batchDims < 0 || batchDims >= Math.Min(data.dim(), indices.dim()) || k < 1 || batchDims + k > data.dim())
            throw c.Fail($"has batch_dims {batchDims} and index tuples of length {k} for rank-{data.dim()} data and rank-{indices.dim()} indices");
        for (int d = 0; d < batchDims; d++)
            if (data.shape[d] != indices.shape[d])
                throw c.Fail($"has batch dimension {d} of size {data.shape[d]} in the data but {indices.shape[d]} in the indices");

        long batch = data.shape[..(int)batchDims].Aggregate(1L, (a, b) => a * b);
        long[] addressed = data.shape[(int)batchDims..(int)(batchDims + k)];
        long[] sliceShape = data.shape[(int)(batchDims + k)..];
        var rows = Rows(RowNumbers(c, 1, addressed, batch), data.device);
        var picked = data.reshape([-1, .. sliceShape]).index_select(0, rows);
        return [picked.reshape([.. indices.shape[..^1], .. sliceShape])];
    }

    /// <summary>
    /// Row numbers, in the data with its addressed axes flattened, of the index tuples held in the last axis of input
    /// <paramref name="input"/> (read on the host: exporters emit them as constants, which the import-time cache already
    /// holds); for GatherND's batch_dims, tuples of batch b are offset by b times the block each batch addresses. Negative entries count from the
    /// end. Out-of-range tuples are refused rather than left to libtorch, whose CPU kernels would read or write outside
    /// the tensor.
    /// </summary>
    private static long[] RowNumbers(NodeContext c, int input, long[] addressed, long batch)
    {
        long k = addressed.Length;
        var tuples = c.Longs(input);
        long perBatch = addressed.Aggregate(1L, (a, b) => a * b);
        long count = tuples.Length / k, perTupleBatch = Math.Max(1, count / batch);
        var rows = new long[count];
        for (long t = 0; t < count; t++)
        {
            long row = 0;
            for (long d = 0; d < k; d++)
            {
                long i = tuples[t * k + d], size = addressed[d];
                if (i < 0) i += size;
                if (i < 0 || i >= size)
                    throw c.Fail($"has index {tuples[t * k + d]} for an axis of size {size}");
                row = row * size + i;
            }
            rows[t] = row + t / perTupleBatch * perBatch;
        }
        return rows;
    }

    private static Tensor Rows(long[] rows, Device device) => torch.tensor(rows, ScalarType.Int64, device);

    /// <summary>Splits update positions into layers in which every row occurs at most once, in order of occurrence.</summary>
    private static IEnumerable<(long[] Rows, long[] Positions)> Layers(long[] rows)
    {
        var seen = new Dictionary<long, int>();
        var layers = new List<(List<long> Rows, List<long> Positions)>();
        for (long p = 0; p < rows.Length; p++)
        {
            int layer = seen.TryGetValue(rows[p], out var n) ? n : 0;
            seen[rows[p]] = layer + 1;
            if (layer == layers.Count) layers.Add(([], []));
            layers[layer].Rows.Add(rows[p]);
            layers[layer].Positions.Add(p);
        }
        return layers.Select(l => (l.Rows.ToArray(), l.Positions.ToArray()));
    }
}
