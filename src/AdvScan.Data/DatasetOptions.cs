namespace AdvScan.Data;

/// <summary>How images of different sizes reach the size a model expects.</summary>
public enum ResizePolicy
{
    /// <summary>No resizing: every image must already have the expected size, otherwise it is an error.</summary>
    None,
    /// <summary>Bilinear resize to the expected size, ignoring aspect ratio.</summary>
    Stretch,
    /// <summary>
    /// ImageNet-style evaluation preprocessing (torchvision's <c>Resize(256)</c> then <c>CenterCrop(224)</c> for a
    /// 224x224 model): the shorter side is resized, keeping the aspect ratio, to the crop's shorter side divided by
    /// <see cref="Resampling.CropFraction"/> (0.875: 256 for 224), and the centre is cropped to the expected size.
    /// </summary>
    CenterCrop,
}

/// <summary>Options for opening a dataset.</summary>
/// <param name="Resize">What to do with images whose size differs from the target (or from each other).</param>
/// <param name="Height">Target height; null takes the size of the first image.</param>
/// <param name="Width">Target width; null takes the size of the first image.</param>
/// <param name="ClassNames">Declared class names in label order; null sorts the names found (folders, CSV names).</param>
/// <param name="SkipInvalid">Leave out unreadable or non-image files (reported in <see cref="IImageDataset.Skipped"/>) instead of failing.</param>
/// <param name="LabelsPath">Labels file for an .npy image array or an IDX image file (found beside IDX images when null).</param>
/// <param name="ImagesKey">Array name of the images inside an .npz.</param>
/// <param name="LabelsKey">Array name of the labels inside an .npz.</param>
/// <param name="Root">
/// The folder every manifest row and every class-folder entry must resolve inside (links followed); null: the
/// manifest's own folder, or the image folder itself. Set from <c>"root"</c> in advscan.json's data section or
/// <c>--data-root</c>, to let a manifest name images elsewhere.
/// </param>
public sealed record DatasetOptions(
    ResizePolicy Resize = ResizePolicy.None,
    int? Height = null,
    int? Width = null,
    IReadOnlyList<string>? ClassNames = null,
    bool SkipInvalid = false,
    string? LabelsPath = null,
    string ImagesKey = "x",
    string LabelsKey = "y",
    string? Root = null);
