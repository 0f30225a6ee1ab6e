using System.Globalization;
using AdvScan.Attacks;
using AdvScan.Scanning.Configuration;

namespace AdvScan.Reporting;

/// <summary>
/// The parameters that define an attack's strength, in words, for every human-facing report. Only the parameters the
/// attack actually uses are named: "40 steps" on FGSM would misstate what was run.
/// </summary>
internal static class AttackParameters
{
    public static string Describe(AttackConfig a)
    {
        var c = CultureInfo.InvariantCulture;
        var parts = new List<string> { a.Norm == Norm.L2 ? "L2" : "L-inf" };
        switch (a.Attack)
        {
            case "fgsm":
                parts.Add("single step");
                break;
            case "pgd":
                parts.Add(string.Create(c, $"{a.Steps} steps"));
                parts.Add(a.StepSize is { } s ? string.Create(c, $"step size {s}") : "default step size");
                parts.Add(string.Create(c, $"{a.Restarts} restart(s)"));
                parts.Add(a.RandomStart ? "random start" : "no random start");
                break;
            case "apgd":
                parts.Add(string.Create(c, $"{a.Steps} iterations"));
                parts.Add(string.Create(c, $"{a.Restarts} restart(s)"));
                break;
            case "cw":
                parts.Add(string.Create(c, $"{a.Steps} Adam steps per binary-search step"));
                break;
            case "square":
                parts.Add(string.Create(c, $"{a.Queries} queries per image"));
                break;
            case "transfer":
                parts.Add($"crafted on {Path.GetFileName(a.Surrogate ?? "?")}");
                break;
        }
        if (a.TargetClass is { } t) parts.Add(string.Create(c, $"targeted at class {t}"));
        return string.Join(", ", parts);
    }
}
