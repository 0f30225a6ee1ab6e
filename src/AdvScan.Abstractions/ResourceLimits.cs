namespace AdvScan;

/// <summary>
/// Bounds on the work and memory one hostile input can ask for. Each has a documented default that fits a CI runner
/// and can be raised: in advscan.json under <c>"limits": { "maxImagePixels": ... }</c>, or on the command line as
/// <c>--limit-max-image-pixels</c> and the like. A value above its limit is refused with one located line, before the
/// allocation or loop it would drive (a 420 KB PNG declaring 12000x12000 pixels is refused from its header).
/// </summary>
/// <remarks>
/// Readers deep in the stack (image and tensor decoders) take the limits in force from <see cref="Current"/>, which the
/// scan, the CLI verb or the caller sets for its work with <see cref="Use"/>, rather than through every signature.
/// </remarks>
public sealed record ResourceLimits
{
    /// <summary>Decoded pixels per image (width x height), checked from the header before decoding: 25 million (5000x5000).</summary>
    public long MaxImagePixels { get; init; } = 25_000_000;

    /// <summary>Bytes of one data file read whole or of one NPZ member (NPY arrays, IDX files, manifests): 4 GiB.</summary>
    public long MaxDataBytes { get; init; } = 4L << 30;

    /// <summary>Total bytes of a model's initializers, inline and external together: 4 GiB.</summary>
    public long MaxModelBytes { get; init; } = 4L << 30;

    /// <summary>Nodes in a model's graph: 1,000,000.</summary>
    public int MaxGraphNodes { get; init; } = 1_000_000;

    /// <summary>Elements of one tensor computed while folding constants at import, or of a synthesised input batch: 64 million.</summary>
    public long MaxTensorElements { get; init; } = 64_000_000;

    /// <summary>Output classes of a classifier: 100,000.</summary>
    public int MaxClasses { get; init; } = 100_000;

    /// <summary>
    /// Bytes a compressed NPZ member may inflate to: 1 GiB. Checked against the size the archive declares before
    /// anything is inflated, and again while inflating (a member that inflates past what it declared is refused), so a
    /// small archive cannot expand without bound. Members are streamed from the archive, never extracted to disk;
    /// stored (np.savez) members are read in place and bounded by <see cref="MaxDataBytes"/> only.
    /// </summary>
    public long MaxInflatedBytes { get; init; } = 1L << 30;

    /// <summary>Bytes of a CSV manifest: 64 MiB (about a million rows of 64 characters).</summary>
    public long MaxManifestBytes { get; init; } = 64L << 20;

    /// <summary>Characters in one line of a CSV manifest: 16,384 (a Linux path is at most 4,096 bytes).</summary>
    public int MaxLineLength { get; init; } = 16_384;

    /// <summary>Examples in a dataset or a sample: 10 million.</summary>
    public int MaxExamples { get; init; } = 10_000_000;

    /// <summary>Iterations of one attack or optimisation run (steps, epochs), per restart: 100,000.</summary>
    public int MaxSteps { get; init; } = 100_000;

    /// <summary>Restarts of one attack: 1,000.</summary>
    public int MaxRestarts { get; init; } = 1_000;

    /// <summary>Model queries per example of a black-box attack: 1,000,000.</summary>
    public int MaxQueries { get; init; } = 1_000_000;

    /// <summary>Bytes of a config or shard report read as text: 16 MiB.</summary>
    public long MaxConfigBytes { get; init; } = 16L << 20;

    /// <summary>The defaults above.</summary>
    public static ResourceLimits Default { get; } = new();

    private static readonly AsyncLocal<ResourceLimits?> Ambient = new();

    /// <summary>The limits in force for the current work (<see cref="Default"/> unless a caller set others with <see cref="Use"/>).</summary>
    public static ResourceLimits Current => Ambient.Value ?? Default;

    /// <summary>Puts <paramref name="limits"/> in force for this thread's (and its async flow's) work until disposed.</summary>
    public static IDisposable Use(ResourceLimits limits)
    {
        var previous = Ambient.Value;
        Ambient.Value = limits;
        return new Restore(previous);
    }

    /// <summary>Throws a located error when <paramref name="value"/> exceeds <paramref name="limit"/>; <paramref name="key"/> names the limit to raise.</summary>
    public static void Check(long value, long limit, string key, string what, string? file = null, int? line = null)
    {
        if (Problem(value, limit, key, what) is { } problem) throw new InvalidInputException(file, problem, line);
    }

    /// <summary>The message <see cref="Check"/> throws, or null within the limit: for callers that locate the error themselves (a manifest row).</summary>
    public static string? Problem(long value, long limit, string key, string what) =>
        value > limit ? FormattableString.Invariant($"{what} is {value}, above the limit of {limit} (raise it with limits.{key} in advscan.json)") : null;

    private sealed class Restore(ResourceLimits? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
