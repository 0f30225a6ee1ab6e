using System.Text;
using AdvScan.Scanning;

namespace AdvScan.Reporting.Tests;

internal static class ReporterOutput
{
    public static async Task<byte[]> BytesAsync(IReporter reporter, ScanReport report)
    {
        using var stream = new MemoryStream();
        await reporter.WriteAsync(report, stream);
        return stream.ToArray();
    }

    public static async Task<string> TextAsync(IReporter reporter, ScanReport report) => Encoding.UTF8.GetString(await BytesAsync(reporter, report));
}
