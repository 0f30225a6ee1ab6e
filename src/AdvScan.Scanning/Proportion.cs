namespace AdvScan.Scanning;

/// <summary>A measured proportion with its 95% Wilson score interval (well-behaved at 0%, 100% and small samples).</summary>
public readonly record struct Proportion(int Successes, int Trials, double Value, double Lower, double Upper)
{
    private const double Z95 = 1.959963984540054;

    /// <summary>
    /// Trials per independent example: 1 for a plain rate; k for a mean of k rates measured on the same examples
    /// (accuracy averaged over 19 corruptions counts 19 trials per example). The interval is Wilson's for
    /// <c>Trials / TrialsPerExample</c> examples: the trials of one example are not independent evidence, and for a mean
    /// of bounded per-example scores this interval is conservative (their variance is at most p(1 - p)). Counts still
    /// add exactly over shards.
    /// </summary>
    public int TrialsPerExample { get; init; } = 1;

    public static Proportion Of(int successes, int trials) => Of(successes, trials, 1);

    /// <param name="trialsPerExample">See <see cref="TrialsPerExample"/>; values below 1 count as 1.</param>
    public static Proportion Of(int successes, int trials, int trialsPerExample)
    {
        int perExample = Math.Max(1, trialsPerExample);
        if (trials <= 0) return new Proportion(successes, 0, 0, 0, 1) { TrialsPerExample = perExample };
        double p = successes / (double)trials;
        double n = trials / (double)perExample;
        double z2 = Z95 * Z95;
        double denominator = 1 + z2 / n;
        double center = (p + z2 / (2 * n)) / denominator;
        double half = Z95 * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        // At 0 and n successes the bounds are exactly 0 and 1; computed, they come out a rounding error away.
        double lower = successes == 0 ? 0 : Math.Max(0, center - half);
        double upper = successes == trials ? 1 : Math.Min(1, center + half);
        return new Proportion(successes, trials, p, lower, upper) { TrialsPerExample = perExample };
    }
}
