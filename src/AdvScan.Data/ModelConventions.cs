using System.Globalization;
using AdvScan.Onnx;

namespace AdvScan.Data;

/// <summary>
/// ONNX metadata_props keys through which a model declares how it wants its input (all optional):
/// <list type="bullet">
/// <item><c>advscan.mean</c>, <c>advscan.std</c>: comma-separated floats, one per channel (model order) or one shared, e.g. "0.485,0.456,0.406".</item>
/// <item><c>advscan.scale</c>: "1" (model takes [0,1]) or "255" (model takes [0,255]).</item>
/// <item><c>advscan.channel_order</c>: "rgb" or "bgr".</item>
/// <item><c>advscan.layout</c>: "nchw" or "nhwc" (otherwise inferred from where the size-1 or size-3 axis is).</item>
/// <item><c>advscan.resize</c>: "none", "stretch" or "center-crop".</item>
/// <item><c>advscan.classes</c>: comma-separated class names in logit order.</item>
/// </list>
/// Command-line values override metadata, which overrides what the input shape implies.
/// </summary>
public static class ModelMetadataKeys
{
    public const string Mean = "advscan.mean";
    public const string Std = "advscan.std";
    public const string Scale = "advscan.scale";
    public const string ChannelOrder = "advscan.channel_order";
    public const string Layout = "advscan.layout";
    public const string Resize = "advscan.resize";
    public const string Classes = "advscan.classes";
}

/// <summary>Spec values given explicitly (command line, config); null means "take the model's".</summary>
public sealed record InputSpecOverrides(
    ResizePolicy? Resize = null,
    ChannelOrder? ChannelOrder = null,
    TensorLayout? Layout = null,
    float? Scale = null,
    IReadOnlyList<float>? Mean = null,
    IReadOnlyList<float>? Std = null);

/// <summary>Reads a model's input conventions from its input shape and metadata.</summary>
public static class ModelConventions
{
    /// <summary>
    /// The input spec of <paramref name="model"/>: layout from where the channel axis (size 1 or 3) is, size from the
    /// fixed spatial dimensions, and the rest from <see cref="ModelMetadataKeys"/> and <paramref name="overrides"/>.
    /// </summary>
    public static InputSpec InputSpecOf(OnnxModel model, InputSpecOverrides? overrides = null)
    {
        overrides ??= new InputSpecOverrides();
        var file = model.DisplayName;
        if (model.Inputs.Count != 1)
            throw new InvalidInputException(file, $"has {model.Inputs.Count} inputs; AdvScan handles image classifiers with exactly one input");
        var input = model.Inputs[0];
        if (input.Shape is not { Count: 4 } shape)
            throw new InvalidInputException(file, $"input '{input.Name}' has shape {input.ShapeText}; an image classifier takes a rank-4 batch (NCHW or NHWC)");
        var meta = model.Metadata;
        var layout = overrides.Layout ?? Parse(meta, ModelMetadataKeys.Layout, file, ParseLayout) ?? InferLayout(shape, file, input.ShapeText);
        var (c, h, w) = layout == TensorLayout.Nchw ? (shape[1], shape[2], shape[3]) : (shape[3], shape[1], shape[2]);
        if (c.Value is not (1 or 3))
            throw new InvalidInputException(file, $"input '{UntrustedText.Escape(input.Name)}' {input.ShapeText} read as {layout.ToString().ToUpperInvariant()} has {c} channels; AdvScan handles 1 (gray) or 3 (colour)");
        // The declared size drives every image's resize and every batch's allocation: bounded like a decoded image.
        if (h.Value is > 0 && w.Value is > 0)
            ResourceLimits.Check(h.Value.Value > long.MaxValue / w.Value.Value ? long.MaxValue : h.Value.Value * w.Value.Value, ResourceLimits.Current.MaxImagePixels,
                "maxImagePixels", $"input '{UntrustedText.Escape(input.Name)}' declares {w}x{h} images; their pixel count", file);
        var spec = new InputSpec(
            Channels: (int)c.Value!.Value,
            Height: h.Value is > 0 ? ImageSide(h.Value.Value, input, file) : null,
            Width: w.Value is > 0 ? ImageSide(w.Value.Value, input, file) : null,
            Resize: overrides.Resize ?? Parse(meta, ModelMetadataKeys.Resize, file, ParseResize) ?? ResizePolicy.None,
            ChannelOrder: overrides.ChannelOrder ?? Parse(meta, ModelMetadataKeys.ChannelOrder, file, ParseChannelOrder) ?? ChannelOrder.Rgb,
            Layout: layout,
            Scale: overrides.Scale ?? Parse(meta, ModelMetadataKeys.Scale, file, ParseScale) ?? 1f,
            Mean: overrides.Mean ?? Parse(meta, ModelMetadataKeys.Mean, file, ParseFloats),
            Std: overrides.Std ?? Parse(meta, ModelMetadataKeys.Std, file, ParseFloats));
        spec.Validate(file);
        return spec;
    }

    /// <summary>Class names from <c>advscan.classes</c>, or null.</summary>
    public static IReadOnlyList<string>? ClassNamesOf(OnnxModel model) =>
        model.Metadata.TryGetValue(ModelMetadataKeys.Classes, out var text) && text.Trim().Length > 0
            ? text.Split(',', StringSplitOptions.TrimEntries)
            : null;

    /// <summary>
    /// Number of classes: the fixed last dimension of the first output, else the declared class names; null if neither.
    /// A declared count of 0 (or less) is refused, and so is one above <see cref="ResourceLimits.MaxClasses"/>: per-class
    /// tables and every batch's logits are sized by it.
    /// </summary>
    public static int? ClassCountOf(OnnxModel model)
    {
        var output = model.Outputs[0];
        var limit = ResourceLimits.Current.MaxClasses;
        if (output.Shape is { Count: > 0 } shape && shape[^1].Value is long n)
        {
            if (n < 1)
                throw new InvalidInputException(model.DisplayName, $"output '{UntrustedText.Escape(output.Name)}' {output.ShapeText} declares {n} classes; a classifier has at least one");
            ResourceLimits.Check(n, limit, "maxClasses", $"output '{UntrustedText.Escape(output.Name)}' {output.ShapeText} declares a class count that", model.DisplayName);
            return (int)n;
        }
        if (ClassNamesOf(model) is { } names)
        {
            ResourceLimits.Check(names.Count, limit, "maxClasses", $"metadata {ModelMetadataKeys.Classes} names a class count that", model.DisplayName);
            return names.Count;
        }
        return null;
    }

    private static int ImageSide(long side, OnnxValueInfo input, string file) =>
        side <= int.MaxValue ? (int)side : throw new InvalidInputException(file, $"input '{UntrustedText.Escape(input.Name)}' declares an image side of {side}");

    private static TensorLayout InferLayout(IReadOnlyList<OnnxDim> shape, string file, string shapeText)
    {
        bool first = shape[1].Value is 1 or 3, last = shape[3].Value is 1 or 3;
        if (first) return TensorLayout.Nchw; // [N,3,3,3] is ambiguous; NCHW is what exporters from PyTorch write.
        if (last) return TensorLayout.Nhwc;
        throw new InvalidInputException(file, $"input shape {shapeText} has no fixed channel axis of size 1 or 3; give the layout (--layout nchw|nhwc)");
    }

    private static T? Parse<T>(IReadOnlyDictionary<string, string> meta, string key, string file, Func<string, T?> parse) where T : struct
    {
        if (!meta.TryGetValue(key, out var text)) return null;
        return parse(text.Trim()) ?? throw new InvalidInputException(file, $"metadata {key} = '{text}' is not a valid value");
    }

    private static IReadOnlyList<float>? Parse(IReadOnlyDictionary<string, string> meta, string key, string file, Func<string, IReadOnlyList<float>?> parse)
    {
        if (!meta.TryGetValue(key, out var text)) return null;
        return parse(text) ?? throw new InvalidInputException(file, $"metadata {key} = '{text}' is not a comma-separated list of numbers");
    }

    public static TensorLayout? ParseLayout(string text) => text.ToLowerInvariant() switch { "nchw" => TensorLayout.Nchw, "nhwc" => TensorLayout.Nhwc, _ => null };
    public static ResizePolicy? ParseResize(string text) => text.ToLowerInvariant() switch { "none" => ResizePolicy.None, "stretch" => ResizePolicy.Stretch, "center-crop" => ResizePolicy.CenterCrop, _ => null };

    /// <summary>The name <see cref="ParseResize"/> reads back (reports, messages).</summary>
    public static string ResizeName(ResizePolicy policy) => policy == ResizePolicy.CenterCrop ? "center-crop" : policy.ToString().ToLowerInvariant();
    public static ChannelOrder? ParseChannelOrder(string text) => text.ToLowerInvariant() switch { "rgb" => ChannelOrder.Rgb, "bgr" => ChannelOrder.Bgr, _ => null };
    public static float? ParseScale(string text) => text switch { "1" or "1.0" => 1f, "255" or "255.0" => 255f, _ => null };

    public static IReadOnlyList<float>? ParseFloats(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i])) return null;
        return values;
    }
}
