using AdvScan.Engine;
using AdvScan.Scanning;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Checks.Poisoning;

/// <summary>
/// How well a group of samples agrees with its own label among its nearest neighbours in input (pixel) space: per
/// sample, the share of its k nearest other training samples that carry the same label, averaged over the group.
/// </summary>
/// <remarks>
/// Why: Chen et al. call the smaller cluster the poison, which is a coin toss when poison is about half the target
/// class, as in BadNets at 10% of the whole set. Their exclusionary reclassification settles it by retraining; this is
/// the cheap stand-in that needs no training: dirty-label poison (an image of another class relabelled) sits among
/// images of its source class in pixel space, so its neighbours mostly carry other labels, while genuine members of the
/// class sit among their own kind. Clean-label poison agrees with its label, and then the smaller-cluster rule stands.
/// The queries are one class's samples; the rest of the set streams past in batches, so memory is one class deep.
/// </remarks>
public static class LabelConsistency
{
    public const int Neighbours = 10;

    /// <summary>Per query sample (dataset indices), the share of its <see cref="Neighbours"/> nearest other samples with the same label.</summary>
    public static double[] Agreement(OpenedDataset data, IReadOnlyList<int> queries, int batchSize, Device device, CancellationToken cancellationToken)
    {
        using var scope = torch.NewDisposeScope();
        var q = Pixels(data, queries, batchSize, device, cancellationToken);
        var qNorm = q.Squared().sum(1, keepdim: true);
        var queryIndex = torch.tensor(queries.Select(i => (long)i).ToArray(), device: device).unsqueeze(1);
        Tensor? bestDistance = null, bestLabel = null;
        var all = Enumerable.Range(0, data.Labels.Count).ToArray();
        int offset = 0;
        foreach (var batch in data.Read(all, batchSize, cancellationToken))
        {
            using var inner = torch.NewDisposeScope();
            int n = batch.Labels.Length;
            var r = torch.tensor(batch.Pixels, batch.Shape).reshape(n, -1).to(ScalarType.Float64).to(device);
            var distance = qNorm.Plus(r.Squared().sum(1).unsqueeze(0)) - q.matmul(r.t()).Times(2L);
            var refIndex = Scalars.Arange(offset, offset + n, ScalarType.Int64, device).unsqueeze(0);
            distance = distance.Filled(refIndex.eq(queryIndex), double.PositiveInfinity);
            var labels = torch.tensor(batch.Labels.Select(l => (long)l).ToArray(), device: device).unsqueeze(0).expand(queries.Count, n);
            var d = bestDistance is null ? distance : torch.cat([bestDistance, distance], 1);
            var l = bestLabel is null ? labels : torch.cat([bestLabel, labels], 1);
            int k = (int)Math.Min(Neighbours, d.shape[1]);
            // Stable: sort by distance with the earlier position (lower dataset index) first on ties.
            var order = d.sort(1, descending: false, stable: true).Indices.narrow(1, 0, k);
            bestDistance?.Dispose();
            bestLabel?.Dispose();
            bestDistance = d.gather(1, order).MoveToOuterDisposeScope();
            bestLabel = l.gather(1, order).MoveToOuterDisposeScope();
            offset += n;
        }
        var own = torch.tensor(queries.Select(i => (long)data.Labels[i]).ToArray(), device: device).unsqueeze(1);
        var agree = bestLabel!.eq(own).to(ScalarType.Float64).mean([1L]).cpu();
        return agree.data<double>().ToArray();
    }

    private static Tensor Pixels(OpenedDataset data, IReadOnlyList<int> indices, int batchSize, Device device, CancellationToken cancellationToken)
    {
        var parts = data.Read(indices, batchSize, cancellationToken)
            .Select(b => torch.tensor(b.Pixels, b.Shape).reshape(b.Labels.Length, -1).to(ScalarType.Float64)).ToList();
        return torch.cat(parts, 0).to(device);
    }
}
