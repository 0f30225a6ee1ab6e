using AdvScan.Attacks;
using AdvScan.Scanning.Configuration;

namespace AdvScan.Reporting.Tests;

/// <summary>Reports name only the parameters an attack actually uses.</summary>
public sealed class AttackParametersTests
{
    private static AttackConfig Attack(string name, Norm norm = Norm.LInf, int? target = null, string? surrogate = null) =>
        new(name, name, norm, [0.1], Steps: 40, StepSize: 0.01, Restarts: 2, RandomStart: true, TargetClass: target, Queries: 5000, Surrogate: surrogate, Line: 1);

    [Fact]
    public void Fgsm_is_a_single_step_without_iteration_counts() =>
        Assert.Equal("L-inf, single step", AttackParameters.Describe(Attack("fgsm")));

    [Fact]
    public void Pgd_names_steps_step_size_restarts_and_random_start() =>
        Assert.Equal("L2, 40 steps, step size 0.01, 2 restart(s), random start", AttackParameters.Describe(Attack("pgd", Norm.L2)));

    [Fact]
    public void Square_names_its_query_budget_and_transfer_its_surrogate()
    {
        Assert.Equal("L-inf, 5000 queries per image", AttackParameters.Describe(Attack("square")));
        Assert.Equal("L-inf, crafted on surrogate.onnx", AttackParameters.Describe(Attack("transfer", surrogate: "/models/surrogate.onnx")));
    }

    [Fact]
    public void A_targeted_attack_names_its_target_class() =>
        Assert.EndsWith("targeted at class 3", AttackParameters.Describe(Attack("fgsm", target: 3)));
}
