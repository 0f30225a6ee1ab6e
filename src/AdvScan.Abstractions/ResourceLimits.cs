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
        if (value > limit)
            throw new InvalidInputException(file, FormattableString.Invariant($"{what} is {value}, above the limit of {limit} (raise it with limits.{key} in advscan.json)"), line);
    }

    private sealed class Restore(ResourceLimits? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
