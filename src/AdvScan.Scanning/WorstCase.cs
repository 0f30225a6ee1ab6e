using System.Globalization;
using AdvScan.Attacks;
using AdvScan.Scanning.Configuration;

namespace AdvScan.Scanning;

/// <summary>
/// The worst case over attacks, per example (AutoAttack's rule): at each budget an example counts as robust only if it
/// survives every configured attack of that norm. An attack that broke it at a smaller budget broke it here too (its
/// example lies inside the larger ball), so each attack is read at its largest budget not above this one; an attack
/// with no such budget has nothing to say here. Reported as an attack of its own, id <c>all</c> (or <c>all-linf</c> and
/// <c>all-l2</c> when both norms are configured), which gates name like any attack.
/// </summary>
public static class WorstCase
{
    public const string Id = "all";

    /// <summary>The worst-case id for a norm, given the norms a config's attacks use.</summary>
    public static string IdFor(Norm norm, IEnumerable<Norm> configured) =>
        configured.Distinct().Count() > 1 ? $"{Id}-{NormNames.Of(norm)}" : Id;

    public static bool IsWorstCaseId(string id) => id == Id || Enum.GetValues<Norm>().Any(n => id == $"{Id}-{NormNames.Of(n)}");

    /// <summary>
    /// Worst-case reports for the norms with at least two attacks, or whose worst case a gate names.
    /// <paramref name="reports"/> must all come from one run over the same examples in the same order.
    /// </summary>
    public static IReadOnlyList<AttackReport> Combine(IReadOnlyList<AttackReport> reports, IEnumerable<string> gatedSources)
    {
        var gated = gatedSources.ToHashSet(StringComparer.Ordinal);
        var norms = reports.Select(r => r.Result.Norm).ToList();
        var combined = new List<AttackReport>();
        foreach (var group in reports.GroupBy(r => r.Result.Norm))
        {
            var id = IdFor(group.Key, norms);
            var members = group.Where(r => r.Result.RobustByBudget is not null).ToList();
            if (members.Count == 0 || (members.Count < 2 && !gated.Contains(id))) continue;
            combined.Add(Of(id, group.Key, members));
        }
        return combined;
    }

    private static AttackReport Of(string id, Norm norm, IReadOnlyList<AttackReport> members)
    {
        var budgets = members.SelectMany(m => m.Result.Curve.Select(p => p.Epsilon)).Distinct().Order().ToList();
        var clean = members[0].Result.Curve[0].CleanAccuracy;
        int examples = members[0].Result.RobustByBudget![0].Length;
        var curve = new List<RobustnessPoint>();
        var robustByBudget = new List<bool[]>();
        foreach (var eps in budgets)
        {
            var robust = Enumerable.Repeat(true, examples).ToArray();
            // The adversary's best per broken example: the smallest perturbation any member found that breaks it.
            var smallest = Enumerable.Repeat(double.PositiveInfinity, examples).ToArray();
            foreach (var member in members)
            {
                var curveOf = member.Result.Curve;
                int at = Enumerable.Range(0, curveOf.Count).LastOrDefault(b => curveOf[b].Epsilon <= eps, -1);
                if (at < 0) continue;
                var flags = member.Result.RobustByBudget![at];
                var sizes = member.Result.PerturbationByBudget?[at];
                for (int i = 0; i < examples; i++)
                {
                    robust[i] &= flags[i];
                    if (sizes is not null && !double.IsNaN(sizes[i])) smallest[i] = Math.Min(smallest[i], sizes[i]);
                }
            }
            int standing = robust.Count(r => r);
            robustByBudget.Add(robust);
            var won = smallest.Where(double.IsFinite).ToList();
            // Norms are those of the examples that won; runtime disagreements belong to the attacks it combines.
            curve.Add(new RobustnessPoint(eps, clean, Proportion.Of(standing, clean.Trials), Proportion.Of(clean.Successes - standing, clean.Successes),
                won.Count == 0 ? 0 : won.Average(), RobustnessEvaluation.Median(won), 0, 0));
        }
        var first = members[0];
        var settings = first.Result.Settings with { Epsilon = budgets[^1] };
        var names = string.Join(", ", members.Select(m => m.Config.Id));
        var description = string.Create(CultureInfo.InvariantCulture, $"{AttackKeys.NormText(norm)}, worst case per example over {names}");
        // Per example too, so a sequential gate on the worst case reads its outcomes like any attack's.
        var result = new RobustnessResult(Id, norm, settings, curve, null, 0, 0) { RobustByBudget = robustByBudget };
        return new AttackReport(new AttackConfig(id, Id, budgets, first.Config.Settings), result) { Description = description };
    }
}
