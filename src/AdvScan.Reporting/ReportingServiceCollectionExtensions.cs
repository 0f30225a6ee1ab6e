using AdvScan.Scanning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AdvScan.Reporting;

public static class ReportingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the JSON, SARIF, HTML and markdown reporters as <see cref="IReporter"/>s. SARIF reads
    /// <see cref="SarifReporterOptions"/> from the container when registered (the CLI sets the repository root there).
    /// </summary>
    public static IServiceCollection AddAdvScanReporters(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReporter, JsonReporter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReporter, SarifReporter>(sp => new SarifReporter(sp.GetService<SarifReporterOptions>())));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReporter, HtmlReporter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReporter, MarkdownReporter>());
        return services;
    }
}
