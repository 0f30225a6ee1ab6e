namespace AdvScan.Scanning.Checks;

/// <summary>
/// How a check's figures combine over the shards of one scan when the check says nothing more
/// (<see cref="IScanCheck.MergeShards"/>): shards evaluate disjoint examples, so proportions add their counts; counts
/// and scores are computed on the whole sample (a universal patch, a reverse-engineered trigger), so every shard must
/// report the same value. Findings are the union in shard order; tables and images come from the first shard.
/// </summary>
public static class CheckReportMerge
{
    /// <exception cref="InvalidInputException">The shards report different metrics, or disagree on a whole-sample value.</exception>
    public static CheckReport AddCounts(IReadOnlyList<CheckReport> shards)
    {
        if (shards.Count == 0) throw new InvalidInputException(null, "no shard reports to merge");
        var first = shards[0];
        foreach (var shard in shards)
            if (shard.Metrics.Count != first.Metrics.Count)
                throw new InvalidInputException(null, $"shard reports of check '{first.Id}' list different metrics; the shards must come from one scan");
        var metrics = first.Metrics.Select((m, i) => AddValues(shards.Select(p => p.Metrics[i]).ToList())).ToList();
        var findings = shards.SelectMany(p => p.Findings).GroupBy(f => (f.Rule.Id, f.Message)).Select(g => g.First()).ToList();
        return first with { Metrics = metrics, Findings = findings };
    }

    /// <summary>One value over shards: a proportion adds its counts (keeping its trials per example), anything else must agree.</summary>
    public static MetricValue AddValues(IReadOnlyList<MetricValue> parts)
    {
        var first = parts[0];
        if (first.Proportion is { } p)
            return MetricValue.Of(first.Metric, Add(parts.Select(x => x.Proportion ?? default), p.TrialsPerExample), first.Budget, first.Label);
        if (parts.Any(x => !x.Value.Equals(first.Value)))
            throw new InvalidInputException(null, $"shard reports disagree on {first.Metric}, which is computed on the whole sample; the shards must come from one scan");
        return first;
    }

    /// <summary>Counts added over parts, with the interval recomputed for the total.</summary>
    public static Proportion Add(IEnumerable<Proportion> parts, int trialsPerExample = 1)
    {
        int successes = 0, trials = 0;
        foreach (var part in parts) { successes += part.Successes; trials += part.Trials; }
        return Proportion.Of(successes, trials, trialsPerExample);
    }
}
