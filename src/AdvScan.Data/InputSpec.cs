using System.Globalization;
using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Data;

public enum ChannelOrder { Rgb, Bgr }

public enum TensorLayout { Nchw, Nhwc }

/// <summary>
/// How pixels reach a model. Attacks and datasets work in pixel space: NCHW, RGB (or one gray channel), values in
/// [0,1]. The model input is <c>(convert(pixels) * Scale - Mean) / Std</c> per channel, in the model's channel order
/// and layout; <c>convert</c> replicates a gray channel to RGB or takes RGB's luminance (ITU-R 601) when the model's
/// channel count differs from the data's. Mean and Std are in the scaled units (ImageNet: Scale 1, Mean
/// 0.485,0.456,0.406; Caffe: Scale 255, BGR, Mean 103.94,116.78,123.68), listed in the model's channel order.
/// </summary>
/// <param name="Channels">Channels the model takes: 1 or 3.</param>
/// <param name="Height">Height the model takes; null when the model accepts any (images then keep their own size).</param>
/// <param name="Width">Width the model takes; null when the model accepts any.</param>
/// <param name="Resize">How images of another size are brought to <paramref name="Height"/> x <paramref name="Width"/>.</param>
/// <param name="ChannelOrder">Order of the model's three colour channels.</param>
/// <param name="Layout">NCHW or NHWC.</param>
/// <param name="Scale">Pixel values are multiplied by this: 1 for [0,1] models, 255 for [0,255] ones.</param>
/// <param name="Mean">Per-channel (or one shared) value subtracted after scaling; null for none.</param>
/// <param name="Std">Per-channel (or one shared) divisor applied after the mean; null for none.</param>
public sealed record InputSpec(
    int Channels,
    int? Height = null,
    int? Width = null,
    ResizePolicy Resize = ResizePolicy.None,
    ChannelOrder ChannelOrder = ChannelOrder.Rgb,
    TensorLayout Layout = TensorLayout.Nchw,
    float Scale = 1f,
    IReadOnlyList<float>? Mean = null,
    IReadOnlyList<float>? Std = null)
{
    private static readonly float[] Luma = [0.299f, 0.587f, 0.114f];

    /// <summary>The dataset options that bring images to this spec's size with its resize policy.</summary>
    public DatasetOptions ApplyTo(DatasetOptions options) => options with { Resize = Resize, Height = Height, Width = Width };

    /// <summary>Throws an <see cref="InvalidInputException"/> naming the model when this spec cannot describe a real input.</summary>
    public void Validate(string? model)
    {
        if (Channels is not (1 or 3)) throw new InvalidInputException(model, $"input has {Channels} channels; AdvScan handles image models with 1 or 3");
        if (Height is < 1 || Width is < 1) throw new InvalidInputException(model, "input size must be positive");
        if (!(Scale > 0) || !float.IsFinite(Scale)) throw new InvalidInputException(model, $"scale must be a positive number, got {Scale}");
        foreach (var (values, name) in new[] { (Mean, "mean"), (Std, "std") })
        {
            if (values is null) continue;
            if (values.Count != 1 && values.Count != Channels)
                throw new InvalidInputException(model, $"{name} has {values.Count} values but the model takes {Channels} channel(s)");
            if (values.Any(v => !float.IsFinite(v))) throw new InvalidInputException(model, $"{name} values must be finite");
        }
        if (Std is not null && Std.Any(v => v <= 0)) throw new InvalidInputException(model, "std values must be positive");
    }

    /// <summary>Checks that images of <paramref name="dataset"/>'s geometry can be fed to the model.</summary>
    public void CheckDataset(IImageDataset dataset, string? model)
    {
        var g = dataset.Geometry;
        if (g.Channels != Channels && !(g.Channels is 1 or 3 && Channels is 1 or 3))
            throw new InvalidInputException(model, $"takes {Channels} channel(s) but {dataset.Name} has {g.Channels}, and AdvScan converts only between gray and RGB");
        if ((Height is { } h && h != g.Height) || (Width is { } w && w != g.Width))
            throw new InvalidInputException(model, $"takes {Width}x{Height} images but {dataset.Name} yields {g.Width}x{g.Height}; choose a resize policy (e.g. --resize stretch)");
    }

    /// <summary>Model input shape for <paramref name="count"/> images of <paramref name="pixels"/>' size.</summary>
    public long[] InputShape(int count, ImageGeometry pixels) => Layout == TensorLayout.Nchw
        ? [count, Channels, pixels.Height, pixels.Width]
        : [count, pixels.Height, pixels.Width, Channels];

    /// <summary>Maps pixels (NCHW, [0,1]) to the model input, differentiably, on the pixels' device and dtype.</summary>
    public Tensor ToModelInput(Tensor pixels)
    {
        if (pixels.dim() != 4) throw new ArgumentException($"pixels must be NCHW, got rank {pixels.dim()}", nameof(pixels));
        using var scope = torch.NewDisposeScope();
        long have = pixels.shape[1];
        var x = pixels;
        if (have == 1 && Channels == 3) x = x.expand(-1, 3, -1, -1);
        else if (have == 3 && Channels == 1) x = (x * Constant(Luma, pixels)).sum(1, keepdim: true);
        else if (have != Channels) throw new ArgumentException($"pixels have {have} channels, the model takes {Channels}", nameof(pixels));
        if (ChannelOrder == ChannelOrder.Bgr && Channels == 3) x = x.flip(1);
        if (Scale != 1f) x = x * Constant([Scale], pixels); // a tensor operand: an implicit Scalar could be freed mid-call (see AdvScan.Engine.Scalars)
        if (Mean is not null) x = x - Constant(Mean, pixels);
        if (Std is not null) x = x / Constant(Std, pixels);
        if (Layout == TensorLayout.Nhwc) x = x.permute(0, 2, 3, 1);
        if (ReferenceEquals(x, pixels)) x = x.alias();
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The same mapping as <see cref="ToModelInput(Tensor)"/> on host memory, for ONNX Runtime.</summary>
    public float[] ToModelInput(ReadOnlySpan<float> pixels, int count, ImageGeometry geometry)
    {
        int plane = geometry.Height * geometry.Width, c = Channels;
        if (pixels.Length != count * geometry.PixelsPerImage)
            throw new ArgumentException($"expected {count} x {geometry} pixels, got {pixels.Length} values", nameof(pixels));
        var output = new float[count * c * plane];
        for (int n = 0; n < count; n++)
        {
            var image = pixels.Slice(n * geometry.PixelsPerImage, geometry.PixelsPerImage);
            for (int k = 0; k < c; k++)
            {
                // k is the model's channel; the pixel channel it reads is flipped for BGR.
                int source = ChannelOrder == ChannelOrder.Bgr && c == 3 ? 2 - k : k;
                float mean = Pick(Mean, k, 0f), std = Pick(Std, k, 1f);
                for (int p = 0; p < plane; p++)
                {
                    float v = geometry.Channels == c ? image[source * plane + p]
                        : geometry.Channels == 1 ? image[p]
                        : Luma[0] * image[p] + Luma[1] * image[plane + p] + Luma[2] * image[2 * plane + p];
                    v = (v * Scale - mean) / std;
                    int at = Layout == TensorLayout.Nchw ? (n * c + k) * plane + p : (n * plane + p) * c + k;
                    output[at] = v;
                }
            }
        }
        return output;
    }

    private static float Pick(IReadOnlyList<float>? values, int channel, float none) =>
        values is null ? none : values.Count == 1 ? values[0] : values[channel];

    private static Tensor Constant(IReadOnlyList<float> values, Tensor like) =>
        torch.tensor(values.ToArray(), [1, values.Count, 1, 1]).to(like);

    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        string List(IReadOnlyList<float>? v) => v is null ? "none" : string.Join(",", v.Select(x => x.ToString("R", c)));
        var size = Height is null || Width is null ? "any size" : $"{Width}x{Height}";
        return $"{Channels} channel(s), {size}, resize {ModelConventions.ResizeName(Resize)}, {ChannelOrder.ToString().ToLowerInvariant()}, "
            + $"{Layout.ToString().ToLowerInvariant()}, scale {Scale.ToString("R", c)}, mean {List(Mean)}, std {List(Std)}";
    }
}
