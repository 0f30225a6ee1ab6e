namespace AdvScan.Data;

/// <summary>Images stored as one array (NumPy, IDX): fixed native geometry, random access by index.</summary>
internal interface IPixelArray : IDisposable
{
    string Name { get; }
    int Count { get; }
    ImageGeometry Geometry { get; }
    /// <summary>Example <paramref name="index"/> as CHW floats in [0,1] at <see cref="Geometry"/>.</summary>
    float[] Read(int index);
}

/// <summary>A dataset over an <see cref="IPixelArray"/> and a label vector of the same length.</summary>
internal sealed class ArrayDataset : ImageDatasetBase
{
    private readonly IPixelArray _images;
    private readonly IDisposable[] _owned;

    private ArrayDataset(IPixelArray images, int[] labels, ImageGeometry geometry, DatasetOptions options, IDisposable[] owned)
        : base(images.Name, geometry, labels, options.ClassNames, options.Resize)
    {
        _images = images;
        _owned = owned;
    }

    /// <summary>Takes ownership of <paramref name="images"/> and <paramref name="owned"/> (disposed with the dataset).</summary>
    public static ArrayDataset Create(IPixelArray images, int[] labels, string labelsName, DatasetOptions options, params IDisposable[] owned)
    {
        try
        {
            if (images.Count == 0) throw new InvalidInputException(images.Name, "holds no images (empty dataset)");
            if (labels.Length != images.Count)
                throw new InvalidInputException(labelsName, $"holds {labels.Length} labels but {images.Name} holds {images.Count} images");
            var native = images.Geometry;
            int h = options.Height ?? native.Height, w = options.Width ?? native.Width;
            if ((h != native.Height || w != native.Width) && options.Resize == ResizePolicy.None)
                throw new InvalidInputException(images.Name, $"images are {native.Width}x{native.Height} but the model expects {w}x{h}; choose a resize policy (e.g. --resize stretch)");
            if (options.ClassNames is { } names)
                for (int i = 0; i < labels.Length; i++)
                    if (labels[i] >= names.Count)
                        throw new InvalidInputException($"{labelsName}[{i}]", $"label {labels[i]} is outside the {names.Count} declared classes");
            return new ArrayDataset(images, labels, new ImageGeometry(native.Channels, h, w), options, [images, .. owned]);
        }
        catch
        {
            images.Dispose();
            foreach (var d in owned) d.Dispose();
            throw;
        }
    }

    public override string Describe(int index) => $"{_images.Name}[{index}]";

    protected override (float[] Pixels, int Height, int Width) ReadImage(int index) =>
        (_images.Read(index), _images.Geometry.Height, _images.Geometry.Width);

    public override void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }
}
