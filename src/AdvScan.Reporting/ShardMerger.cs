using System.Globalization;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning.Configuration;

namespace AdvScan.Reporting;

/// <summary>
/// Combines the reports of the shards of one scan (`advscan scan --shard i/n`, read back with
/// <see cref="ScanReportJson.Read(string, string?)"/>) into the report of the whole scan. Shards attack disjoint
/// examples, so every count adds: proportions and their Wilson intervals are recomputed from summed counts, means of
/// perturbation norms from summed sums, and every gate is judged again on the merged figure. The result equals the
/// report of an unsharded scan in every count, proportion, interval, mean and verdict.
/// Medians cannot be recovered from shard medians; the merged median is the average of the shard medians weighted by
/// how many values each shard's median was taken over, an approximation that is exact for one shard.
/// </summary>
public static class ShardMerger
{
    /// <param name="nearThreshold">The config's nearThreshold (advscan.json), which the verdicts are re-judged with.</param>
    /// <param name="registry">
    /// The registered checks, each of which merges its own reports (<see cref="IScanCheck.MergeShards"/>: a check with
    /// figures derived from its counts recomputes them); without it, or for a check it does not know, proportions add
    /// and other values must agree (<see cref="CheckReportMerge.AddCounts"/>).
    /// </param>
    /// <exception cref="InvalidInputException">The reports are not shards of the same scan (different model, seed, attacks or gates).</exception>
    public static ScanReport Merge(IEnumerable<ScanReport> shards, double nearThreshold = 0.02, ScanRegistry? registry = null)
    {
        var list = shards.ToList();
        if (list.Count == 0) throw new InvalidInputException(null, "no shard reports to merge");
        var first = list[0];
        if (list.Any(s => s.Sequential is not null))
            throw new InvalidInputException(null, "a sequential scan's report cannot be merged: its verdicts were settled on its own evidence and do not add over shards; run the sequential scan whole");
        foreach (var shard in list.Skip(1)) CheckSameScan(first, shard);

        var attacks = first.Attacks.Select((a, i) => MergeAttack(list.Select(s => s.Attacks[i]).ToList())).ToList();
        var checks = first.Checks.Select((c, i) =>
        {
            var parts = list.Select(s => s.Checks[i]).ToList();
            return registry?.Check(c.Check) is { } check ? check.MergeShards(parts) : CheckReportMerge.AddCounts(parts);
        }).ToList();
        var clean = Sum(list.Select(s => s.CleanAccuracy));
        // A proportion's counts add; any other figure of a check is read again from the merged check (a mean or ratio
        // it derived from its counts is only right there).
        var gates = first.Gates.Select((g, i) =>
        {
            var measured = g.Measured.Proportion is null && checks.Any(c => c.Id == g.Gate.Source)
                ? GateJudge.Measure(g.Gate, clean, attacks, checks)
                : CheckReportMerge.AddValues(list.Select(s => s.Gates[i].Measured).ToList());
            return GateJudge.Judge(g.Gate, g.Rule, g.Subject, measured, nearThreshold);
        }).ToList();
        var perClass = first.PerClass.Select((c, i) =>
        {
            var all = list.Select(s => s.PerClass[i]).ToList();
            Proportion? robust = all.All(x => x.Robust is not null) ? Sum(all.Select(x => x.Robust!.Value)) : null;
            return new ClassAccuracy(c.Class, c.Name, Sum(all.Select(x => x.Clean)), robust);
        }).ToList();
        return first with
        {
            Examples = list.Sum(s => s.Examples),
            CleanAccuracy = clean,
            Attacks = attacks,
            Checks = checks,
            Gates = gates,
            PerClass = perClass,
            // Galleries are picked per shard for people to look at; concatenated they stay examples of the whole scan.
            Gallery = list.SelectMany(s => s.Gallery).ToList(),
        };
    }

    private static AttackReport MergeAttack(IReadOnlyList<AttackReport> parts)
    {
        var first = parts[0];
        var curve = first.Result.Curve.Select((p, b) =>
        {
            var points = parts.Select(a => a.Result.Curve[b]).ToList();
            var success = Sum(points.Select(x => x.AttackSuccess));
            double sum = points.Sum(ScanReportJson.PerturbationSum);
            return new RobustnessPoint(p.Epsilon, Sum(points.Select(x => x.CleanAccuracy)), Sum(points.Select(x => x.RobustAccuracy)), success,
                success.Successes == 0 ? 0 : sum / success.Successes,
                Weighted(points.Select(x => (x.MedianPerturbation, (double)x.AttackSuccess.Successes))),
                points.Sum(x => x.RuntimeDisagreements), points.Sum(x => x.Attacked),
                points.All(x => x.Transfer is null) ? null : Sum(points.Select(x => x.Transfer ?? default)));
        }).ToList();
        // Minimal L2 norms are taken over examples fooled at the largest budget; weight by that count.
        double? minimal = parts.All(a => a.Result.MedianMinimalL2 is null) ? null
            : Weighted(parts.Where(a => a.Result.MedianMinimalL2 is not null)
                .Select(a => (a.Result.MedianMinimalL2!.Value, (double)(a.Result.Curve.Count == 0 ? 1 : a.Result.Curve[^1].AttackSuccess.Successes))));
        // A transfer rate is a share of the examples the surrogate attacked, the correctly classified ones.
        double? transfer = parts.All(a => a.TransferRate is null) ? null
            : Weighted(parts.Where(a => a.TransferRate is not null)
                .Select(a => (a.TransferRate!.Value, (double)(a.Result.Curve.Count == 0 ? 1 : a.Result.Curve[0].CleanAccuracy.Successes))));
        return first with
        {
            Result = first.Result with { Curve = curve, MedianMinimalL2 = minimal, GradientEvaluations = parts.Sum(a => a.Result.GradientEvaluations), Queries = parts.Sum(a => a.Result.Queries) },
            // Counts merge exactly; the weighted rate is only the fallback for reports written without them.
            TransferRate = curve.Count > 0 && curve[^1].Transfer is { } counted ? counted.Value : transfer,
        };
    }

    private static Proportion Sum(IEnumerable<Proportion> parts) => CheckReportMerge.Add(parts);

    private static double Weighted(IEnumerable<(double Value, double Weight)> parts)
    {
        var list = parts.ToList();
        double weight = list.Sum(p => p.Weight);
        return weight > 0 ? list.Sum(p => p.Value * p.Weight) / weight : list.Count == 0 ? 0 : list.Average(p => p.Value);
    }

    private static void CheckSameScan(ScanReport a, ScanReport b)
    {
        void Require(bool same, string what)
        {
            if (!same) throw new InvalidInputException(b.ConfigFile ?? b.ModelFile, $"shard reports come from different scans: {what} differs");
        }
        Require(a.ModelSha256 == b.ModelSha256, "the model's SHA-256");
        Require(a.Seed == b.Seed, "the seed");
        Require(a.ClassNames.SequenceEqual(b.ClassNames), "the class names");
        Require(a.Attacks.Select(x => x.Config.Id).SequenceEqual(b.Attacks.Select(x => x.Config.Id)), "the list of attacks");
        for (int i = 0; i < a.Attacks.Count; i++)
        {
            Require(a.Attacks[i].Result.Curve.Select(p => p.Epsilon).SequenceEqual(b.Attacks[i].Result.Curve.Select(p => p.Epsilon)),
                string.Create(CultureInfo.InvariantCulture, $"the budgets of attack '{a.Attacks[i].Config.Id}'"));
            // Counts of two attacks run with other steps (or another target) are not one figure.
            Require(a.Attacks[i].Keys.SequenceEqual(b.Attacks[i].Keys) && a.Attacks[i].Config.Settings == b.Attacks[i].Config.Settings,
                $"the parameters of attack '{a.Attacks[i].Config.Id}'");
        }
        Require(a.Checks.Select(x => (x.Id, x.Check, x.Metrics.Count)).SequenceEqual(b.Checks.Select(x => (x.Id, x.Check, x.Metrics.Count))), "the list of checks");
        Require(a.Gates.Select(g => g.Gate).SequenceEqual(b.Gates.Select(g => g.Gate)), "the list of gates");
        Require(a.PerClass.Select(c => c.Class).SequenceEqual(b.PerClass.Select(c => c.Class)), "the classes");
    }
}
