using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Patch;

/// <summary>The patch check's config keys (with their defaults, for validation, the schema and --help) and their reader.</summary>
internal static class PatchConfig
{
    // The settings' own defaults, so the schema and --help cannot drift from what runs.
    private static readonly PatchSettings Defaults = new();

    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        new("area", "number|array", "Patch area(s) as a fraction of the image, each in (0, 1); one patch is optimised and judged per area.", "0.1"),
        new("target", "integer", "Class index the patch forces; omitted: untargeted (any wrong class)."),
        new("shape", "string", "Patch outline.", "square", ["square", "circle"]),
        new("region", "array", "[x0, y0, x1, y1] in relative image coordinates the whole patch stays inside (e.g. the sign's face).", "[0, 0, 1, 1]"),
        new("steps", "integer", "Adam steps per area (per restart).", Text(Defaults.Steps)),
        new("learningRate", "number", "Adam learning rate on the patch's [0,1] pixels.", Text(Defaults.LearningRate)),
        new("imagesPerStep", "integer", "Training images per step.", Text(Defaults.ImagesPerStep)),
        new("drawsPerImage", "integer", "EOT draws per training image per step (images x draws go through one forward/backward).", Text(Defaults.DrawsPerImage)),
        new("restarts", "integer", "Optimisations per area from independent random textures; the one best on the training part is judged.", Text(Defaults.Restarts)),
        new("trainFraction", "number", "Share of the sample, per class, the patch is optimised on; the rest is held out and judged.", Text(Defaults.TrainFraction)),
        new("scale", "number|array", "[min, max] patch size relative to the area's side (a number s means [s, s]); scale 1 with rotation 0 and perspective 0 pastes the texture pixel for pixel at whole-pixel positions.", "[0.8, 1]"),
        new("rotation", "number", "Rotation drawn in [-r, r] degrees.", "20"),
        new("perspective", "number", "Keystone term drawn in [-p, p] per axis, in patch half-size units.", "0.15"),
        new("brightness", "number", "Brightness shift of the patch drawn in [-b, b].", "0.1"),
        new("contrast", "number", "Contrast factor of the patch drawn in [1-c, 1+c].", "0.15"),
        new("blur", "number", "Gaussian blur sigma of the placed patch drawn in [0, s] pixels (3x3 kernel).", "1"),
        new("noise", "number", "Sensor-noise standard deviation on the whole image drawn in [0, n].", "0.02"),
        new("printability", "number", "Weight of the non-printability penalty (Sharif et al. 2016) in the loss; 0 reports it only.", "0"),
        new("totalVariation", "number", "Weight of the total-variation penalty in the loss; 0 reports it only.", "0"),
        new("savePatch", "string", "PNG file for the patch (alpha = its outline); '-area<a>' is added per area when several are listed. Must stay inside the config's folder (or scan --output-dir), links followed."),
        new("saveExamples", "string", "Folder for PNGs of every judged held-out example with the patch on it. Must stay inside the config's folder (or scan --output-dir), links followed."),
        new("gallery", "integer", "Patched held-out examples shown in the HTML report per area.", "8"),
    ];

    public static PatchSettings Read(ConfigSection section)
    {
        var defaults = Defaults;
        var eot = EotOptions.Default;
        var scale = section.Numbers("scale", 0, 2, exclusiveMin: true);
        if (scale is { Count: > 2 }) throw section.Fail("scale", "scale must be a number or [min, max]");
        if (scale is { Count: 2 } && scale[0] > scale[1]) throw section.Fail("scale", "scale [min, max] needs min <= max");
        eot = eot with
        {
            MinScale = scale?[0] ?? eot.MinScale,
            MaxScale = scale?[^1] ?? eot.MaxScale,
            MaxRotationDegrees = section.Number("rotation", 0, 180) ?? eot.MaxRotationDegrees,
            MaxPerspective = section.Number("perspective", 0, 0.5) ?? eot.MaxPerspective,
            MaxBrightness = section.Number("brightness", 0, 1) ?? eot.MaxBrightness,
            MaxContrast = section.Number("contrast", 0, 1, exclusiveMax: true) ?? eot.MaxContrast,
            MaxBlurSigma = section.Number("blur", 0, 5) ?? eot.MaxBlurSigma,
            MaxNoise = section.Number("noise", 0, 1) ?? eot.MaxNoise,
        };
        var settings = new PatchSettings
        {
            Areas = section.Numbers("area", 0, 1, exclusiveMin: true, exclusiveMax: true) ?? defaults.Areas,
            Target = section.Int("target", 0),
            Shape = section.Choice("shape", ["square", "circle"]) == "circle" ? PatchShape.Circle : PatchShape.Square,
            Region = Region(section) ?? defaults.Region,
            Steps = section.Int("steps", 1, nameof(ResourceLimits.MaxSteps)) ?? defaults.Steps,
            LearningRate = section.Number("learningRate", 0, 10, exclusiveMin: true) ?? defaults.LearningRate,
            ImagesPerStep = section.Int("imagesPerStep", 1, nameof(ResourceLimits.MaxBatchSize)) ?? defaults.ImagesPerStep,
            DrawsPerImage = section.Int("drawsPerImage", 1, 10_000) ?? defaults.DrawsPerImage,
            Restarts = section.Int("restarts", 1, 1_000) ?? defaults.Restarts,
            TrainFraction = section.Number("trainFraction", 0, 1, exclusiveMin: true, exclusiveMax: true) ?? defaults.TrainFraction,
            Eot = eot,
            PrintabilityWeight = section.Number("printability", 0) ?? 0,
            TotalVariationWeight = section.Number("totalVariation", 0) ?? 0,
            SavePatch = section.OutputPath("savePatch"),
            SaveExamples = section.OutputPath("saveExamples"),
            GalleryImages = section.Int("gallery", 0, 1000) ?? defaults.GalleryImages,
            KeyLines = section.Keys.ToDictionary(k => k, section.LineOf),
        };
        return settings;
    }

    private static PatchRegion? Region(ConfigSection section)
    {
        var values = section.Numbers("region");
        if (values is null) return null;
        if (values.Count != 4) throw section.Fail("region", $"region must be [x0, y0, x1, y1], got {values.Count} number(s)");
        var region = new PatchRegion(values[0], values[1], values[2], values[3]);
        return region.Problem() is { } problem ? throw section.Fail("region", problem) : region;
    }

    private static string Text(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
