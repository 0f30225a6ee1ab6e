using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Attacks;

public static class AttackServiceCollectionExtensions
{
    /// <summary>Registers the built-in attacks. A new attack is one more registration of its interface.</summary>
    public static IServiceCollection AddAdvScanAttacks(this IServiceCollection services)
    {
        services.AddSingleton<IEvasionAttack, Fgsm>();
        services.AddSingleton<IEvasionAttack, Pgd>();
        services.AddSingleton<IEvasionAttack, Apgd>();
        services.AddSingleton<IEvasionAttack, ApgdTargeted>();
        services.AddSingleton<IEvasionAttack, FabTargeted>();
        services.AddSingleton<IEvasionAttack, AutoAttack>();
        services.AddSingleton<IEvasionAttack, CarliniWagner>();
        services.AddSingleton<IScoreBasedAttack, SquareAttack>();
        services.AddSingleton<IScoreBasedAttack, HopSkipJump>();
        return services;
    }
}
