using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Checks;

public static class CheckServiceCollectionExtensions
{
    /// <summary>Registers the built-in checks as <see cref="Scanning.Checks.IScanCheck"/>s. A new check is one more line here.</summary>
    public static IServiceCollection AddAdvScanChecks(this IServiceCollection services)
    {
        services.AddSingleton<Scanning.Checks.IScanCheck, Masking.MaskingCheck>();
        services.AddSingleton<Scanning.Checks.IScanCheck, Poisoning.PoisoningCheck>();
        services.AddSingleton<Scanning.Checks.IScanCheck, Backdoor.NeuralCleanseCheck>();
        services.AddSingleton<Scanning.Checks.IScanCheck, Backdoor.StripCheck>();
        services.AddSingleton<Scanning.Checks.IScanCheck, Patch.PatchCheck>();
        services.AddSingleton<Scanning.Checks.IScanCheck, Corruptions.CorruptionsCheck>();
        return services;
    }
}
