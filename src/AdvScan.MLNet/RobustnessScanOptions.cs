namespace AdvScan.MLNet;

/// <summary>
/// What the ML.NET scan step runs and how the pipeline's pixel column maps back to [0,1] pixels. Either
/// <see cref="ConfigPath"/> (an advscan.json whose attacks, checks, gates, sample and seed are used; its model and data
/// are replaced by the pipeline's) or the single-attack fields below.
/// </summary>
public sealed class RobustnessScanOptions
{
    /// <summary>An advscan.json to take attacks, checks, gates, sample size, seed and batch size from; null uses the fields below.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>A registered attack name ("pgd", "fgsm", "cw", "square", ...), used when <see cref="ConfigPath"/> is null.</summary>
    public string Attack { get; init; } = "pgd";

    /// <summary>"linf" or "l2"; null takes the attack's default norm.</summary>
    public string? Norm { get; init; }

    /// <summary>Perturbation budget in [0,1] pixel space (before the model's normalisation), as in the CLI.</summary>
    public double Epsilon { get; init; } = 8.0 / 255;

    /// <summary>Attack iterations; null takes the attack's default. Small values are weaker attacks (an optimistic robustness figure).</summary>
    public int? Steps { get; init; }

    /// <summary>Gate: the lowest acceptable robust accuracy at <see cref="Epsilon"/> (judged on the 95% Wilson lower bound); null sets no gate.</summary>
    public double? MinRobustAccuracy { get; init; }

    /// <summary>Examples in the seeded, class-stratified sample; 0 scans every row.</summary>
    public int SampleSize { get; init; }

    /// <summary>Seed of the sample and of every random draw of the attacks: same data, options and seed give the same report.</summary>
    public long Seed { get; init; }

    /// <summary>Examples per batch on the device.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>"cpu" or "cuda".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>When true, a failed gate makes <c>Fit</c> throw <see cref="RobustnessGateException"/>, the way a build fails.</summary>
    public bool ThrowOnFailedGate { get; init; } = true;

    /// <summary>
    /// The attack (an attack id of the advscan.json, or the <see cref="Attack"/> field's name) whose per-row outcome at its
    /// largest budget fills the audit columns of Transform (<see cref="AdvScanColumns"/>); null takes the first attack.
    /// </summary>
    public string? AuditAttack { get; init; }

    /// <summary>
    /// Whether Transform adds the audit columns (when the data has the label). Turn off for serving: without them the step
    /// maps row by row, so a chain holding it works with PredictionEngine (the audit attacks whole views in batches).
    /// </summary>
    public bool AuditColumns { get; init; } = true;

    /// <summary>A STRIP serving guard calibrated at Fit (adds StripEntropy and SuspectedTrigger to each row); null adds none.</summary>
    public StripGuardOptions? StripGuard { get; init; }

    /// <summary>The <c>interleavePixelColors</c> given to ExtractPixels: true means HWC order in the vector, false CHW.</summary>
    public bool Interleave { get; init; }

    /// <summary>
    /// The <c>scaleImage</c> given to ExtractPixels (ML.NET computes (byte - offset) * scale). Null means the pixels are
    /// extracted at the model's own input scale, so the same column feeds ApplyOnnxModel: 1/255 for a [0,1] model,
    /// 1 for a model that takes 0..255 (its <c>advscan.scale</c> metadata).
    /// </summary>
    public float? Scale { get; init; }

    /// <summary>The <c>offsetImage</c> given to ExtractPixels.</summary>
    public float Offset { get; init; }

    /// <summary>
    /// Whether pixels were extracted from 8-bit images (LoadImages/ExtractPixels), so each recovered value is snapped to
    /// the nearest k/255: undoing scale and offset in float leaves an ulp of error, and snapping makes the pixels the
    /// CLI reads from the same files bit for bit. Turn off for float vectors that did not come from 8-bit images.
    /// </summary>
    public bool EightBitSource { get; init; } = true;
}
