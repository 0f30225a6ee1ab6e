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

    /// <summary>Iterations of one attack or optimisation run (an attack's or a patch's steps), per restart: 100,000.</summary>
    public int MaxSteps { get; init; } = 100_000;

    /// <summary>Restarts of one attack: 1,000.</summary>
    public int MaxRestarts { get; init; } = 1_000;

    /// <summary>Model queries per example of a black-box attack: 1,000,000.</summary>
    public int MaxQueries { get; init; } = 1_000_000;

    /// <summary>Passes over the data of one training or optimisation run (training, hardening, unlearning, Neural Cleanse): 10,000.</summary>
    public int MaxEpochs { get; init; } = 10_000;

    /// <summary>Examples in one batch (a config's or check's batchSize, --batch): 4,096.</summary>
    public int MaxBatchSize { get; init; } = 4_096;

    /// <summary>Bytes of a config or shard report read as text: 16 MiB.</summary>
    public long MaxConfigBytes { get; init; } = 16L << 20;

    /// <summary>
    /// Bytes the verdict cache folder (scan --cache, the MSBuild task's obj/ cache) may hold, and the most one entry read
    /// from it may be: 512 MiB. Past it the least recently used entries are deleted.
    /// </summary>
    public long MaxCacheBytes { get; init; } = 512L << 20;

    /// <summary>The defaults above.</summary>
    public static ResourceLimits Default { get; } = new();

    /// <summary>
    /// Every bound above as users name it, found by reflection so a limit added here gets its advscan.json key, its
    /// command-line option and its schema entry with no other change. Ordered by key.
    /// </summary>
    public static IReadOnlyList<ResourceLimit> All { get; } = typeof(ResourceLimits)
        .GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
        .Where(p => p.CanWrite && (p.PropertyType == typeof(int) || p.PropertyType == typeof(long)))
        .Select(p => new ResourceLimit(p))
        .OrderBy(l => l.Key, StringComparer.Ordinal)
        .ToList();

    /// <summary>The limit whose property is <paramref name="name"/> (<c>nameof(ResourceLimits.MaxSteps)</c>).</summary>
    public static ResourceLimit Of(string name) =>
        All.FirstOrDefault(l => l.Name == name) ?? throw new ArgumentException($"ResourceLimits has no limit named {name}", nameof(name));

    /// <summary>A copy with <paramref name="values"/> in place of the current ones.</summary>
    public ResourceLimits With(IEnumerable<KeyValuePair<ResourceLimit, long>> values)
    {
        var copy = this with { };
        foreach (var (limit, value) in values) limit.Set(copy, value);
        return copy;
    }

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

    /// <summary><see cref="Check(long, long, string, string, string?, int?)"/> against the limit in force (<see cref="Current"/>).</summary>
    public static void Check(long value, ResourceLimit limit, string what, string? file = null, int? line = null) =>
        Check(value, limit.ValueIn(Current), limit.Key, what, file, line);

    /// <summary>The message <see cref="Check(long, long, string, string, string?, int?)"/> throws, or null within the limit: for callers that locate the error themselves (a manifest row).</summary>
    public static string? Problem(long value, long limit, string key, string what) =>
        value > limit ? FormattableString.Invariant($"{what} is {value}, above the limit of {limit} (raise it with limits.{key} in advscan.json or {ResourceLimit.OptionOf(key)})") : null;

    private sealed class Restore(ResourceLimits? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}

/// <summary>
/// One bound of <see cref="ResourceLimits"/> as users name it: <see cref="Key"/> under "limits" in advscan.json
/// (<c>maxSteps</c>) and <see cref="Option"/> on the command line (<c>--limit-max-steps</c>), both derived from the
/// property's name.
/// </summary>
public sealed class ResourceLimit
{
    private readonly System.Reflection.PropertyInfo property;

    internal ResourceLimit(System.Reflection.PropertyInfo property)
    {
        this.property = property;
        Name = property.Name;
        Key = char.ToLowerInvariant(Name[0]) + Name[1..];
        Option = OptionOf(Key);
        Maximum = property.PropertyType == typeof(int) ? int.MaxValue : long.MaxValue;
        Default = ValueIn(ResourceLimits.Default);
    }

    /// <summary>The property of <see cref="ResourceLimits"/>: <c>MaxSteps</c>.</summary>
    public string Name { get; }

    /// <summary>The key under "limits" in advscan.json: <c>maxSteps</c>.</summary>
    public string Key { get; }

    /// <summary>The command-line option: <c>--limit-max-steps</c>.</summary>
    public string Option { get; }

    public long Default { get; }

    /// <summary>The largest value the property's type holds (int or long): what a limit may be raised to.</summary>
    public long Maximum { get; }

    public long ValueIn(ResourceLimits limits) => Convert.ToInt64(property.GetValue(limits), System.Globalization.CultureInfo.InvariantCulture);

    internal void Set(ResourceLimits limits, long value)
    {
        if (value < 1 || value > Maximum) throw new ArgumentOutOfRangeException(nameof(value), value, $"{Key} must lie in [1, {Maximum}]");
        property.SetValue(limits, property.PropertyType == typeof(int) ? (object)(int)value : value);
    }

    /// <summary>The command-line option of a config key: maxImagePixels is --limit-max-image-pixels.</summary>
    public static string OptionOf(string key) =>
        "--limit-" + string.Concat(key.Select(c => char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : c.ToString()));

    public override string ToString() => Key;
}
