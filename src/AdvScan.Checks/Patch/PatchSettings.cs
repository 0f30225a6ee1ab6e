using System.Globalization;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Patch;

/// <summary>
/// A universal adversarial patch run (Brown et al. 2017): one patch per area budget, optimised with Adam on the
/// training part of the sample under expectation over transformation, judged by ONNX Runtime on the held-out part
/// with fresh draws, beside a random patch of the same size under the same draws.
/// </summary>
public sealed record PatchSettings : CheckSettings
{
    /// <summary>Patch areas as fractions of the image, each in (0, 1); one patch is optimised per area.</summary>
    public IReadOnlyList<double> Areas { get; init; } = [0.1];

    /// <summary>The class to force; null is untargeted (any wrong class).</summary>
    public int? Target { get; init; }

    public PatchShape Shape { get; init; } = PatchShape.Square;

    /// <summary>Where the patch may be placed, relative to the image.</summary>
    public PatchRegion Region { get; init; } = PatchRegion.Whole;

    /// <summary>Adam steps per area. 200 by default; the benchmark's 500 gives a little more.</summary>
    public int Steps { get; init; } = 200;

    /// <summary>Adam's learning rate on the patch's [0,1] pixels.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>Training images per step; each is seen under <see cref="DrawsPerImage"/> transformations in the same batch.</summary>
    public int ImagesPerStep { get; init; } = 32;

    public int DrawsPerImage { get; init; } = 4;

    /// <summary>
    /// Optimisations per area from independent random textures; the one with the highest success on the training part
    /// is judged, so the gate sees the strongest patch the search found, never an average. Three by default (issue 26):
    /// one run is one draw from a wide spread (held-out success of single restarts on one split spans 33-39%), so with
    /// one restart the check was below the plain attacker's patch in 2 to 4 of 12 bench rows over six seeds, whatever
    /// the batch or draws (and on three seeds whatever the loss or rate); with three it is above the peer in 11 of 12
    /// rows, the twelfth 0.996 (bench/README.md, (o)), for three times the optimisation.
    /// </summary>
    public int Restarts { get; init; } = 3;

    /// <summary>Share of the sample (per class) the patch is optimised on; the rest is held out and judged.</summary>
    public double TrainFraction { get; init; } = 0.5;

    public EotOptions Eot { get; init; } = EotOptions.Default;

    /// <summary>Weight of the non-printability penalty in the loss (0: reported only).</summary>
    public double PrintabilityWeight { get; init; }

    /// <summary>Weight of the total-variation penalty in the loss (0: reported only).</summary>
    public double TotalVariationWeight { get; init; }

    /// <summary>Writes each area's patch as a PNG (alpha = the patch's outline); with several areas "-area0.1" is added before the extension.</summary>
    public string? SavePatch { get; init; }

    /// <summary>Writes every judged held-out example with the patch on it, as PNG, into this folder.</summary>
    public string? SaveExamples { get; init; }

    /// <summary>Patched held-out examples shown in the HTML report per area.</summary>
    public int GalleryImages { get; init; } = 8;

    /// <summary>Config lines of the keys (for errors found only against the model, such as a target out of range).</summary>
    public IReadOnlyDictionary<string, int> KeyLines { get; init; } = new Dictionary<string, int>();

    public override IReadOnlyList<double> Budgets => Areas;

    public override string Describe()
    {
        var goal = Target is { } t ? $"targeted to class {t} (success: ONNX Runtime predicts {t} on held-out examples of other classes)"
            : "untargeted (success: a held-out example ONNX Runtime classifies correctly becomes wrong)";
        return Invariant($"{Shape.ToString().ToLowerInvariant()} patch, area {string.Join(",", Areas.Select(a => a.ToString(CultureInfo.InvariantCulture)))}, {goal}; ") +
            Invariant($"{Steps} Adam steps of {LearningRate} on {ImagesPerStep} images x {DrawsPerImage} EOT draws, ") +
            Invariant($"{Restarts} restart(s) from random textures{(Restarts > 1 ? " (the one best on the training part judged)" : "")}, train fraction {TrainFraction}, region {Region}; ") +
            (Eot.Rigid ? "pasted pixel for pixel at whole-pixel positions; " : "") +
            $"EOT {Eot.Describe()}" +
            Invariant($"; printability weight {PrintabilityWeight}, total-variation weight {TotalVariationWeight}; judged under fresh draws beside a random patch");
    }

    public override void Validate(CheckContext context)
    {
        foreach (var area in Areas)
            if (!(area > 0 && area < 1)) throw Fail(context, "area", Invariant($"area {area} must be in (0, 1): the patch's share of the image"));
        if (Region.Problem() is { } region) throw Fail(context, "region", region);
        if (Eot.Problem() is { } eot) throw Fail(context, eot.Key, eot.Problem);
        if (Steps < 1) throw Fail(context, "steps", "steps must be at least 1");
        if (!(LearningRate > 0)) throw Fail(context, "learningRate", "learningRate must be positive");
        if (ImagesPerStep < 1) throw Fail(context, "imagesPerStep", "imagesPerStep must be at least 1");
        if (DrawsPerImage < 1) throw Fail(context, "drawsPerImage", "drawsPerImage must be at least 1");
        if (Restarts is < 1 or > 1_000) throw Fail(context, "restarts", "restarts must be in 1..1000");
        if (!(TrainFraction > 0 && TrainFraction < 1)) throw Fail(context, "trainFraction", "trainFraction must be in (0, 1)");
        if (PrintabilityWeight < 0 || TotalVariationWeight < 0) throw Fail(context, PrintabilityWeight < 0 ? "printability" : "totalVariation", "penalty weights must be >= 0");
        int classes = context.ClassNames.Count;
        if (Target is { } target && (target < 0 || target >= classes))
            throw Fail(context, "target", $"target {target} is outside the model's {classes} classes (0..{classes - 1})");
        var image = ImageGeometryOf(context);
        foreach (var area in Areas)
            if (new PatchGeometry(image.Channels, image.Height, image.Width, area, Shape).FitProblem(Region, Eot) is { } fit)
                throw Fail(context, "area", fit);
    }

    /// <summary>The images' channels, height and width, from the first example of the sample.</summary>
    internal static (int Channels, int Height, int Width) ImageGeometryOf(CheckContext context)
    {
        var first = context.Dataset.Read([context.Sample.Count > 0 ? context.Sample[0] : 0], 1, context.CancellationToken).First();
        return ((int)first.Shape[1], (int)first.Shape[2], (int)first.Shape[3]);
    }

    private InvalidInputException Fail(CheckContext context, string key, string problem)
    {
        int line = KeyLines.TryGetValue(key, out var l) ? l : context.Line;
        return new InvalidInputException(context.ConfigFile, "patch: " + problem, line > 0 ? line : null);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
