namespace AdvScan.Checks.Corruptions;

/// <summary>The four groups of Hendrycks &amp; Dietterich (2019), which a config may name instead of single corruptions.</summary>
public enum CorruptionFamily { Noise, Blur, Weather, Digital }

/// <summary>Which of the published parameter tables a corruption uses: ImageNet-C's (224 px) or CIFAR-10-C's (32 px).</summary>
public enum ParameterTable { ImageNet, Cifar }

/// <summary>
/// One corruption of the common-corruptions suite (Hendrycks &amp; Dietterich, "Benchmarking Neural Network Robustness to
/// Common Corruptions and Perturbations", ICLR 2019) at severities 1-5, with the parameters of the published tables.
/// Every corruption works on a copy of the picture in [0,1] before the model's own preprocessing, draws all its
/// randomness from the <see cref="CorruptionRandom"/> it is handed, and ends clipped to [0,1] with the picture's size
/// and channels. Severity 0 is the picture itself.
/// </summary>
/// <remarks>
/// Source of every table: the reference code of the paper, github.com/hendrycks/robustness,
/// <c>ImageNet-C/create_c/make_imagenet_c.py</c> (the ImageNet-C tables) and <c>make_cifar_c.py</c> (CIFAR-10-C's
/// small-image tables). Facts and numbers carry over; the code here is AdvScan's own. Where the reference passes
/// images through 8-bit storage between steps (a PNG for ImageMagick, uint8 arrays) the values stay floats here.
/// </remarks>
public abstract class Corruption
{
    public const int MaxSeverity = 5;

    /// <summary>Kebab-case name used in configs and reports, e.g. "gaussian-noise".</summary>
    public abstract string Name { get; }

    public abstract CorruptionFamily Family { get; }

    /// <summary>One of the four held-out corruptions (speckle noise, gaussian blur, spatter, saturate) rather than the fifteen of the benchmark.</summary>
    public virtual bool Extra => false;

    /// <summary>The corrupted copy of <paramref name="picture"/> (the input is not changed): severity 0 is an unchanged copy.</summary>
    public Picture Corrupt(Picture picture, int severity, ParameterTable table, CorruptionRandom random)
    {
        if (severity < 0 || severity > MaxSeverity) throw new ArgumentOutOfRangeException(nameof(severity), severity, "severity is 0 to 5");
        var copy = picture.Clone();
        if (severity == 0) return copy;
        var result = Apply(copy, severity - 1, table, random);
        if (result.Channels != picture.Channels || result.Height != picture.Height || result.Width != picture.Width)
            throw new InvalidOperationException($"corruption {Name} changed the picture's shape");
        return result.Clip();
    }

    /// <summary>Corrupts <paramref name="picture"/> (a copy the corruption may overwrite) at table row <paramref name="row"/> (severity - 1).</summary>
    protected abstract Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random);

    /// <summary>The row of a per-severity table for the chosen parameter table.</summary>
    protected static T Pick<T>(T[] imageNet, T[] cifar, int row, ParameterTable table) => (table == ParameterTable.Cifar ? cifar : imageNet)[row];
}

/// <summary>Every corruption of the suite, and how a config names them.</summary>
public static class CorruptionSuite
{
    /// <summary>The fifteen benchmark corruptions in the paper's order, then the four held-out ones.</summary>
    public static IReadOnlyList<Corruption> All { get; } =
    [
        new GaussianNoise(), new ShotNoise(), new ImpulseNoise(),
        new DefocusBlur(), new GlassBlur(), new MotionBlur(), new ZoomBlur(),
        new Snow(), new Frost(), new Fog(), new Brightness(),
        new Contrast(), new ElasticTransform(), new Pixelate(), new JpegCompression(),
        new SpeckleNoise(), new GaussianBlur(), new Spatter(), new Saturate(),
    ];

    /// <summary>Group names a config may use besides corruption names.</summary>
    public static IReadOnlyList<string> Groups { get; } = ["noise", "blur", "weather", "digital", "benchmark", "extra", "all"];

    public static string FamilyName(CorruptionFamily family) => family.ToString().ToLowerInvariant();

    /// <summary>
    /// The table for a picture of this size: the smaller side at most 84 px (nearer to CIFAR's 32 px than to ImageNet's
    /// 224 px on a log scale, since sqrt(32 x 224) = 84.7) takes CIFAR-10-C's parameters, larger ones ImageNet-C's.
    /// Parameters the reference gives in pixels (blur sigmas, radii) stay in pixels; those it gives relative to the image
    /// (elastic displacement, pixelation, zoom factors, the fog map's size) scale with it.
    /// </summary>
    public static ParameterTable TableFor(int height, int width) => Math.Min(height, width) <= SmallImageLimit ? ParameterTable.Cifar : ParameterTable.ImageNet;

    /// <summary>The largest smaller side that takes the small-image (CIFAR-10-C) tables.</summary>
    public const int SmallImageLimit = 84;

    /// <summary>
    /// The corruptions a comma-separated list names: corruption names, family names (noise, blur, weather, digital),
    /// "benchmark" (the fifteen), "extra" (the four) or "all"; in the suite's order, each once. Null for an unknown name.
    /// </summary>
    public static IReadOnlyList<Corruption>? Select(string list, out string? unknown)
    {
        unknown = null;
        var chosen = new HashSet<Corruption>();
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var matched = All.Where(c => c.Name == part || FamilyName(c.Family) == part || part == "all"
                || (part == "benchmark" && !c.Extra) || (part == "extra" && c.Extra)).ToList();
            if (matched.Count == 0) { unknown = part; return null; }
            chosen.UnionWith(matched);
        }
        return All.Where(chosen.Contains).ToList();
    }
}
