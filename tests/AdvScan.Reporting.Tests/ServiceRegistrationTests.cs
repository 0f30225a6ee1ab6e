using AdvScan.Scanning;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Reporting.Tests;

public class ServiceRegistrationTests
{
    [Fact]
    public void Registers_one_reporter_per_format()
    {
        using var provider = new ServiceCollection().AddAdvScanReporters().AddAdvScanReporters().BuildServiceProvider();
        Assert.Equal(["html", "json", "markdown", "sarif"], provider.GetServices<IReporter>().Select(r => r.Format).Order());
    }

    [Fact]
    public async Task Sarif_reporter_uses_the_registered_options()
    {
        using var provider = new ServiceCollection().AddSingleton(new SarifReporterOptions { SourceRoot = "/elsewhere" })
            .AddAdvScanReporters().BuildServiceProvider();
        var sarif = provider.GetServices<IReporter>().Single(r => r.Format == "sarif");
        Assert.Contains("file:///repo/models/advscan.json", await ReporterOutput.TextAsync(sarif, SampleReports.Full()));
    }
}
