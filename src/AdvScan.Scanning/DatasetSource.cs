using System.Globalization;
using AdvScan.Data;
using AdvScan.Onnx;
using AdvScan.Scanning.Configuration;

namespace AdvScan.Scanning;

/// <summary>
/// Opens image folders, CSV manifests, NPY/NPZ arrays and IDX files through <see cref="Datasets"/>, and maps their
/// pixels to the model's input with the <see cref="InputSpec"/> read from the model (overridden by the config).
/// </summary>
public sealed class DatasetSource : IDatasetSource
{
    public OpenedDataset Open(ScanConfig config, OnnxModel model, CancellationToken cancellationToken = default)
    {
        var overrides = Located(config.ConfigFile, config.Spec.Line, () => Overrides(config.Spec));
        return Open(config.Data.Path, config.Data.Labels, overrides, model, dataRoot: config.Data.Root);
    }

    /// <summary>Opens <paramref name="dataPath"/> for <paramref name="model"/>; labels outside the model's classes are refused up front.</summary>
    /// <param name="dataRoot">The folder manifest rows and folder entries must stay inside; null: the manifest's or image folder's own.</param>
    public static OpenedDataset Open(string dataPath, string? labelsPath, InputSpecOverrides? overrides, OnnxModel model, bool skipInvalid = false, string? dataRoot = null)
    {
        var spec = ModelConventions.InputSpecOf(model, overrides);
        var modelClasses = ModelConventions.ClassNamesOf(model);
        int? classCount = ModelConventions.ClassCountOf(model);
        var dataset = Datasets.Open(dataPath, spec.ApplyTo(new DatasetOptions(ClassNames: modelClasses, SkipInvalid: skipInvalid, LabelsPath: labelsPath, Root: dataRoot)));
        try
        {
            spec.CheckDataset(dataset, model.DisplayName);
            if (dataset.Count == 0) throw new InvalidInputException(dataset.Name, "the dataset is empty");
            int classes = classCount ?? (dataset.Labels.Max() + 1);
            for (int i = 0; i < dataset.Count; i++)
                if (dataset.Labels[i] >= classes)
                    throw new InvalidInputException(dataset.Describe(i), $"label {dataset.Labels[i]} is outside the model's {classes} classes");
            var names = modelClasses ?? dataset.ClassNames ?? Enumerable.Range(0, classes).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToList();
            var mapping = new PixelMapping(spec.ToModelInput, (pixels, shape) =>
            {
                var geometry = new ImageGeometry(checked((int)shape[1]), checked((int)shape[2]), checked((int)shape[3]));
                int count = checked((int)shape[0]);
                return (spec.ToModelInput(pixels, count, geometry), spec.InputShape(count, geometry));
            });
            IEnumerable<LabeledBatch> Read(IReadOnlyList<int> indices, int batchSize, CancellationToken ct) =>
                dataset.ReadBatches(indices, batchSize, ct).Select(b => new LabeledBatch(b.Pixels, b.Shape, b.Labels));
            // Sampling takes an int seed; fold the config's 64-bit seed so every bit still matters.
            IReadOnlyList<int> Sample(int size, long seed) => Sampling.Stratified(dataset.Labels, Math.Min(size, dataset.Count), unchecked((int)(seed ^ (seed >> 32))));
            return new OpenedDataset($"{dataset.Name} ({dataset.Count} examples, {spec})", names, dataset.Labels, mapping, Read, Sample, dataset) { Preprocessing = spec.ToString() };
        }
        catch
        {
            dataset.Dispose();
            throw;
        }
    }

    /// <summary>The config's spec section as overrides of the model's own conventions.</summary>
    public static InputSpecOverrides Overrides(SpecConfig spec)
    {
        T? Parse<T>(string? text, Func<string, T?> parse, string what) where T : struct =>
            text is null ? null : parse(text) ?? throw new InvalidInputException(null, $"spec {what} '{text}' is not valid");
        return new InputSpecOverrides(
            Resize: Parse(spec.Resize, ModelConventions.ParseResize, "resize (none|stretch|center-crop)"),
            ChannelOrder: Parse(spec.ChannelOrder, ModelConventions.ParseChannelOrder, "channelOrder (rgb|bgr)"),
            Layout: Parse(spec.Layout, ModelConventions.ParseLayout, "layout (nchw|nhwc)"),
            Scale: spec.Scale is { } scale ? (scale is 1 or 255 ? (float)scale : throw new InvalidInputException(null, $"spec scale must be 1 or 255, got {scale}")) : null,
            Mean: spec.Mean?.Select(v => (float)v).ToList(),
            Std: spec.Std?.Select(v => (float)v).ToList());
    }

    private static T Located<T>(string? file, int line, Func<T> action)
    {
        try { return action(); }
        catch (InvalidInputException e) when (e.File is null && file is not null) { throw new InvalidInputException(file, e.Problem, line > 0 ? line : null); }
    }
}
