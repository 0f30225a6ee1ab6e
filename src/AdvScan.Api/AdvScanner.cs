using AdvScan.Checks;
using AdvScan.Reporting;
using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan;

/// <summary>
/// AdvScan as a library: <see cref="Create"/> gives a scanner with every built-in attack, check and reporter registered
/// (and whatever <c>configure</c> adds: a plug-in attack, check or reporter), so configs that name checks load, and
/// reports are written the way the CLI writes them (atomically, never through a link).
/// </summary>
/// <example>
/// <code>
/// using var advscan = AdvScanner.Create();
/// var config = advscan.LoadConfig("advscan.json");
/// ScanReport report = advscan.Run(config, progress: null, cancellationToken);
/// advscan.Write(report, "sarif", "advscan.sarif");
/// if (!report.Passed) Environment.Exit(1);
/// </code>
/// </example>
public sealed class AdvScanner : IDisposable
{
    private readonly ServiceProvider services;

    private AdvScanner(ServiceProvider services)
    {
        this.services = services;
        Scanner = services.GetRequiredService<Scanner>();
    }

    /// <summary>
    /// The scanner with the built-in attacks, checks and reporters; <paramref name="configure"/> may register more
    /// (<c>services.AddSingleton&lt;IScanCheck, MyCheck&gt;()</c>) or a data source, before the provider is built.
    /// </summary>
    public static AdvScanner Create(Action<IServiceCollection>? configure = null)
    {
        var collection = new ServiceCollection();
        collection.AddAdvScanScanner();
        collection.AddAdvScanChecks();
        collection.AddAdvScanReporters();
        configure?.Invoke(collection);
        return new AdvScanner(collection.BuildServiceProvider());
    }

    /// <summary>The composed scanner (the same object the CLI, MSBuild and the ML.NET step run).</summary>
    public Scanner Scanner { get; }

    /// <summary>What configs may name here: the built-in attacks, checks and metrics plus any registered.</summary>
    public ScanRegistry Registry => Scanner.Registry;

    /// <summary>The services the scanner was composed from, for callers that resolve their own registrations.</summary>
    public IServiceProvider Services => services;

    /// <summary>Report formats that <see cref="Write"/> takes: json, sarif, html, markdown and any registered.</summary>
    public IReadOnlyList<string> Formats => services.GetServices<IReporter>().Select(r => r.Format).ToList();

    /// <summary>Reads and validates an advscan.json against this registry (every problem one located <see cref="InvalidInputException"/>).</summary>
    public ScanConfig LoadConfig(string path) => ScanConfigReader.Load(path, Registry);

    /// <summary>Runs the scan a config describes and judges its gates.</summary>
    public ScanReport Run(ScanConfig config, ScanOptions? options = null, IProgress<ScanProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Scanner.Run(config, options ?? new ScanOptions(), progress, cancellationToken);

    /// <summary><see cref="Run(ScanConfig, ScanOptions?, IProgress{ScanProgress}?, CancellationToken)"/> with default options.</summary>
    public ScanReport Run(ScanConfig config, IProgress<ScanProgress>? progress, CancellationToken cancellationToken) =>
        Run(config, null, progress, cancellationToken);

    /// <summary>
    /// Writes <paramref name="report"/> in <paramref name="format"/> to <paramref name="path"/>: a temporary file in the
    /// destination folder, moved into place, a link at the destination refused (the trust boundary's write rule).
    /// </summary>
    public void Write(ScanReport report, string format, string path, CancellationToken cancellationToken = default) =>
        ReportFiles.Write(services, report, format, path, cancellationToken);

    /// <summary>Releases the services (and the ONNX Runtime sessions they hold).</summary>
    public void Dispose() => services.Dispose();
}
