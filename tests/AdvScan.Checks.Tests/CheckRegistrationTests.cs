using AdvScan.Checks;
using AdvScan.Scanning.Checks;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Checks.Tests;

public class CheckRegistrationTests
{
    [Fact]
    public void Registered_checks_have_unique_names_and_metric_names()
    {
        using var services = new ServiceCollection().AddAdvScanChecks().BuildServiceProvider();
        var checks = services.GetServices<IScanCheck>().ToList();
        Assert.Equal(checks.Count, checks.Select(c => c.Name).Distinct().Count());
        var metrics = checks.SelectMany(c => c.Metrics).Select(m => m.Name).ToList();
        Assert.Equal(metrics.Count, metrics.Distinct().Count());
        Assert.All(checks, c => Assert.Matches("^[a-z][a-z0-9-]*$", c.Name));
    }
}
