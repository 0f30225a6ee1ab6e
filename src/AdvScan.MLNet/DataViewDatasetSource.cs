using AdvScan.Data;
using AdvScan.Onnx;
using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;

namespace AdvScan.MLNet;

/// <summary>
/// An <see cref="IDatasetSource"/> over rows already read from an IDataView, so <c>Fit</c> runs
/// <see cref="Scanner.Run"/> unchanged: the same sampling, the same pixel mapping to the model's input as a folder gives.
/// </summary>
internal sealed class DataViewDatasetSource(string name, float[][] pixels, int[] labels, ImageGeometry geometry) : IDatasetSource
{
    /// <summary>How [0,1] CHW pixels become the model's input, exactly as a folder of the same images would be mapped.</summary>
    public static PixelMapping MappingOf(ScanConfig config, OnnxModel model)
    {
        var spec = ModelConventions.InputSpecOf(model, DatasetSource.Overrides(config.Spec));
        return new PixelMapping(spec.ToModelInput, (data, shape) =>
        {
            var g = new ImageGeometry(checked((int)shape[1]), checked((int)shape[2]), checked((int)shape[3]));
            int count = checked((int)shape[0]);
            return (spec.ToModelInput(data, count, g), spec.InputShape(count, g));
        });
    }

    public OpenedDataset Open(ScanConfig config, OnnxModel model, CancellationToken cancellationToken = default)
    {
        var spec = ModelConventions.InputSpecOf(model, DatasetSource.Overrides(config.Spec));
        var modelClasses = ModelConventions.ClassNamesOf(model);
        int classes = ModelConventions.ClassCountOf(model) ?? (labels.Length == 0 ? 0 : labels.Max() + 1);
        if (labels.Length == 0) throw new InvalidInputException(name, "the data view has no rows");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classes) throw new InvalidInputException(name, $"label {labels[i]} is outside the model's {classes} classes", i + 1);
        var names = modelClasses ?? Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var mapping = MappingOf(config, model);
        IEnumerable<LabeledBatch> Read(IReadOnlyList<int> indices, int batchSize, CancellationToken ct)
        {
            int per = geometry.PixelsPerImage;
            for (int start = 0; start < indices.Count; start += batchSize)
            {
                ct.ThrowIfCancellationRequested();
                int n = Math.Min(batchSize, indices.Count - start);
                var batch = new float[n * per];
                var batchLabels = new int[n];
                for (int j = 0; j < n; j++)
                {
                    pixels[indices[start + j]].CopyTo(batch, j * per);
                    batchLabels[j] = labels[indices[start + j]];
                }
                yield return new LabeledBatch(batch, [n, geometry.Channels, geometry.Height, geometry.Width], batchLabels);
            }
        }
        // Folded exactly as DatasetSource folds it, so a pipeline and a folder of the same rows draw the same sample.
        IReadOnlyList<int> Sample(int size, long seed) => Sampling.Stratified(labels, Math.Min(size, labels.Length), unchecked((int)(seed ^ (seed >> 32))));
        return new OpenedDataset($"{name} ({labels.Length} examples, {spec})", names, labels, mapping, Read, Sample) { Preprocessing = spec.ToString() };
    }
}
