namespace AdvScan.Scanning;

/// <summary>
/// Writes a <see cref="ScanReport"/> in one format. A new format plugs in by implementing this and registering it in
/// DI; `advscan scan --&lt;format&gt; FILE` finds it by <see cref="Format"/>. Output must be deterministic: the same
/// report gives the same bytes.
/// </summary>
public interface IReporter
{
    /// <summary>Lower-case format name, also the CLI option: "json", "sarif", "html", "markdown".</summary>
    string Format { get; }

    Task WriteAsync(ScanReport report, Stream output, CancellationToken cancellationToken = default);
}
