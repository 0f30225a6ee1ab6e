using AdvScan.Scanning;

namespace AdvScan.Reporting;

/// <summary>`--json FILE`: the machine-readable report, see <see cref="ScanReportJson"/>.</summary>
public sealed class JsonReporter : IReporter
{
    public string Format => "json";

    public Task WriteAsync(ScanReport report, Stream output, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ScanReportJson.Write(report, output);
        return Task.CompletedTask;
    }
}
