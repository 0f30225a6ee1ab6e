using AdvScan.Data;

namespace AdvScan.Cli;

/// <summary>
/// The input-spec options every verb that reads a dataset for a model takes (--resize, --layout, --channel-order,
/// --scale, --mean, --std): they override the model's advscan.* metadata.
/// </summary>
internal static class SpecOptions
{
    public const string Usage = "[--resize none|stretch|center-crop] [--layout nchw|nhwc] [--channel-order rgb|bgr] [--scale 1|255] [--mean m,..] [--std s,..]";

    public static InputSpecOverrides Read(ArgumentReader args) => new(
        Resize: Choice(args, "--resize", ModelConventions.ParseResize, "none|stretch|center-crop"),
        ChannelOrder: Choice(args, "--channel-order", ModelConventions.ParseChannelOrder, "rgb|bgr"),
        Layout: Choice(args, "--layout", ModelConventions.ParseLayout, "nchw|nhwc"),
        Scale: Choice(args, "--scale", ModelConventions.ParseScale, "1|255"),
        Mean: Floats(args, "--mean"),
        Std: Floats(args, "--std"));

    private static T? Choice<T>(ArgumentReader args, string name, Func<string, T?> parse, string allowed) where T : struct
    {
        var text = args.String(name);
        if (text is null) return null;
        return parse(text.Trim()) ?? throw new InvalidInputException(null, $"option {name} expects {allowed}, got '{text}'");
    }

    private static IReadOnlyList<float>? Floats(ArgumentReader args, string name)
    {
        var text = args.String(name);
        if (text is null) return null;
        return ModelConventions.ParseFloats(text) ?? throw new InvalidInputException(null, $"option {name} expects comma-separated numbers, got '{text}'");
    }
}
