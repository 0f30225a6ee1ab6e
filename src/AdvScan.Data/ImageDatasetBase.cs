namespace AdvScan.Data;

/// <summary>
/// Shared batching for every reader: a subclass decodes one example at its native size into CHW [0,1] floats, and
/// this class applies the resize policy and packs batches.
/// </summary>
internal abstract class ImageDatasetBase : IImageDataset
{
    protected ImageDatasetBase(string name, ImageGeometry geometry, int[] labels, IReadOnlyList<string>? classNames, ResizePolicy resize, IReadOnlyList<SkippedInput>? skipped = null)
    {
        if (labels.Length == 0) throw new InvalidInputException(name, "holds no examples (empty dataset)");
        Name = name;
        Geometry = geometry;
        Labels = labels;
        ClassNames = classNames;
        Resize = resize;
        Skipped = skipped ?? [];
    }

    public string Name { get; }
    public int Count => Labels.Count;
    public ImageGeometry Geometry { get; }
    public IReadOnlyList<string>? ClassNames { get; }
    public IReadOnlyList<int> Labels { get; }
    public IReadOnlyList<SkippedInput> Skipped { get; }
    protected ResizePolicy Resize { get; }

    public abstract string Describe(int index);

    /// <summary>Decodes example <paramref name="index"/>: CHW floats in [0,1] with <see cref="Geometry"/>'s channel count.</summary>
    protected abstract (float[] Pixels, int Height, int Width) ReadImage(int index);

    public IEnumerable<ImageBatch> ReadBatches(IReadOnlyList<int> indices, int batchSize, CancellationToken cancellationToken = default)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1");
        foreach (var i in indices)
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), i, $"index outside the dataset's {Count} examples");
        return Iterate(indices, batchSize, cancellationToken);
    }

    private IEnumerable<ImageBatch> Iterate(IReadOnlyList<int> indices, int batchSize, CancellationToken cancellationToken)
    {
        int per = Geometry.PixelsPerImage;
        var limits = ResourceLimits.Current;
        for (int start = 0; start < indices.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(batchSize, indices.Count - start);
            ResourceLimits.Check((long)n * per, limits.MaxTensorElements, "maxTensorElements",
                $"a batch of {n} images of {Geometry.Channels}x{Geometry.Height}x{Geometry.Width} in elements (lower the batch size)", Name);
            var pixels = new float[n * per];
            var labels = new int[n];
            var chosen = new int[n];
            var sources = new string[n];
            for (int k = 0; k < n; k++)
            {
                int index = indices[start + k];
                var (image, h, w) = ReadImage(index);
                if ((h != Geometry.Height || w != Geometry.Width) && Resize == ResizePolicy.None)
                    throw new InvalidInputException(Describe(index), $"is {w}x{h} but the dataset's images are {Geometry.Width}x{Geometry.Height}; choose a resize policy (e.g. --resize stretch)");
                Resampling.Apply(Resize, image, Geometry.Channels, h, w, pixels.AsSpan(k * per, per), Geometry.Height, Geometry.Width);
                labels[k] = Labels[index];
                chosen[k] = index;
                sources[k] = Describe(index);
            }
            yield return new ImageBatch(pixels, Geometry, labels, chosen, sources);
        }
    }

    public virtual void Dispose() { }
}
