using AdvScan.Engine;
using AdvScan.Scanning;
using TorchSharp;

namespace AdvScan.Checks.Poisoning;

/// <summary>
/// Every training example's late-layer activations, grouped by its label: the input of both poisoning methods. Built
/// batch by batch (one batch on the device at a time, each in its own dispose scope), so memory grows only by the
/// N×D activations kept on the host, never by the images.
/// </summary>
/// <param name="ByClass">Per class, the dataset indices of its examples (ascending) and their activations, row by row.</param>
public sealed record Representations(string Layer, int Dimensions, IReadOnlyList<(int[] Indices, double[][] Rows)> ByClass)
{
    public static Representations Extract(OnnxGraph graph, RepresentationExtractor extractor, OpenedDataset data, int classes,
        int batchSize, IProgress<(int Done, int Total)>? progress, CancellationToken cancellationToken)
    {
        var all = Enumerable.Range(0, data.Labels.Count).ToArray();
        var rows = new double[all.Length][];
        int done = 0, dimensions = 0;
        foreach (var batch in data.Read(all, batchSize, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var pixels = torch.tensor(batch.Pixels, batch.Shape).to(graph.Device);
            var values = extractor.Extract(data.Mapping.ToModelInput(pixels), out dimensions);
            for (int i = 0; i < batch.Labels.Length; i++)
            {
                var row = new double[dimensions];
                for (int j = 0; j < dimensions; j++) row[j] = values[i * dimensions + j];
                rows[done + i] = row;
            }
            done += batch.Labels.Length;
            progress?.Report((done, all.Length));
        }
        var byClass = Enumerable.Range(0, classes).Select(c =>
        {
            var members = all.Where(i => data.Labels[i] == c).ToArray();
            return (members, members.Select(i => rows[i]).ToArray());
        }).ToList();
        return new Representations(extractor.Layer, dimensions, byClass);
    }
}
