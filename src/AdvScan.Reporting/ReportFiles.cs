using AdvScan.Scanning;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Reporting;

/// <summary>
/// Writes a report to a file the way every front end does: through <see cref="TrustBoundary.WriteAtomic"/>, a temporary
/// file created new beside its target (never a fixed name such as <c>report.partial</c>, where a planted link would
/// redirect the write) and renamed into place, so a cancelled or failed write never leaves a partial report where CI
/// would pick it up, and a report path that is a link is refused rather than followed.
/// </summary>
public static class ReportFiles
{
    /// <summary>Writes <paramref name="report"/> in the registered <paramref name="format"/> to <paramref name="path"/>.</summary>
    public static void Write(IServiceProvider services, ScanReport report, string format, string path, CancellationToken cancellationToken = default)
    {
        var reporters = services.GetServices<IReporter>().ToList();
        var reporter = reporters.FirstOrDefault(r => r.Format == format)
            ?? throw new InvalidInputException(null, $"no reporter is registered for the format '{UntrustedText.Escape(format)}' (have {string.Join(", ", reporters.Select(r => r.Format))})");
        TrustBoundary.WriteAtomic(path, stream =>
        {
            reporter.WriteAsync(report, stream, cancellationToken).GetAwaiter().GetResult();
            cancellationToken.ThrowIfCancellationRequested();
        });
    }
}
