using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Scanning.Tests;

public sealed class WorstCaseTests : IDisposable
{
    private readonly ConfigFiles files = new();

    private static Scanner NewScanner() => new ServiceCollection().AddAdvScanScanner().BuildServiceProvider().GetRequiredService<Scanner>();

    [Fact]
    public void An_example_is_robust_in_the_worst_case_only_if_it_survives_every_attack_including_one_run_only_at_a_smaller_budget()
    {
        var path = files.Write("worst.json", """
              "attacks": [
                { "id": "fgsm", "attack": "fgsm", "eps": 0.05 },
                { "id": "pgd", "attack": "pgd", "eps": [0.05, 0.08], "steps": 10 },
                { "id": "square", "attack": "square", "eps": 0.08, "queries": 100 }
              ],
              "gates": [ { "metric": "robustAccuracy", "attack": "all", "eps": 0.08, "min": 0.99 } ]
            """, sampleSize: 30);
        var scanner = NewScanner();
        var report = scanner.Run(ScanConfigReader.Load(path, scanner.Registry));

        var all = Assert.Single(report.Attacks, a => a.Config.Id == "all");
        Assert.Equal([0.05, 0.08], all.Result.Curve.Select(p => p.Epsilon));
        var byId = report.Attacks.ToDictionary(a => a.Config.Id);
        bool[] Flags(string id, double eps) => byId[id].Result.RobustByBudget![byId[id].Result.Curve.ToList().FindIndex(p => p.Epsilon == eps)];
        // At 0.08 FGSM has no run of its own: the digits it broke at 0.05 are broken at 0.08 too.
        int expected = Enumerable.Range(0, 30).Count(i => Flags("fgsm", 0.05)[i] && Flags("pgd", 0.08)[i] && Flags("square", 0.08)[i]);
        Assert.Equal(expected, all.Result.Curve[1].RobustAccuracy.Successes);
        foreach (var id in new[] { "pgd", "square" })
            Assert.True(all.Result.Curve[1].RobustAccuracy.Successes <= byId[id].Result.Curve[^1].RobustAccuracy.Successes);
        Assert.True(expected < byId["pgd"].Result.Curve[^1].RobustAccuracy.Successes || expected < byId["fgsm"].Result.Curve[0].RobustAccuracy.Successes,
            "the attacks should break different digits, or the worst case shows nothing");
        // Its norms are those of the examples that won: L-inf sizes within the budget, and not the invented 0 of old.
        Assert.InRange(all.Result.Curve[1].MedianPerturbation, 1e-6, 0.08 + 1e-6);
        Assert.InRange(all.Result.Curve[1].MeanPerturbation, 1e-6, 0.08 + 1e-6);
        var gate = Assert.Single(report.Gates);
        Assert.Equal(all.Result.Curve[1].RobustAccuracy.Value, gate.Measured.Value);
    }

    [Fact]
    public void Gate_on_all_with_one_attack_judges_that_attack_and_an_attack_may_not_take_the_reserved_id()
    {
        var scanner = NewScanner();
        var path = files.Write("one.json", """
              "attacks": [ { "attack": "fgsm", "eps": 0.1 } ],
              "gates": [ { "metric": "robustAccuracy", "attack": "all", "min": 0.1 } ]
            """, sampleSize: 20);
        var report = scanner.Run(ScanConfigReader.Load(path, scanner.Registry));
        var alone = report.Attacks[0].Result.Curve[0];
        var worst = report.Attacks.Single(a => a.Config.Id == "all").Result.Curve[0];
        Assert.Equal(alone.RobustAccuracy, worst.RobustAccuracy);
        // The worst case over one attack is that attack: its norms too (they are the examples that won), not zeros.
        Assert.True(alone.AttackSuccess.Successes > 0);
        Assert.Equal(alone.MeanPerturbation, worst.MeanPerturbation, 9);
        Assert.Equal(alone.MedianPerturbation, worst.MedianPerturbation, 9);

        var bad = files.Write("reserved.json", """
              "attacks": [
                { "id": "all", "attack": "fgsm", "eps": 0.1 }
              ]
            """);
        var e = Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(bad, scanner.Registry));
        Assert.Equal(ConfigFiles.LineOf(bad, "\"id\": \"all\""), e.Line);
        Assert.Contains("reserved", e.Message);
    }

    public void Dispose() => files.Dispose();
}
