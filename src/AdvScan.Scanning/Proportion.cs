namespace AdvScan.Scanning;

/// <summary>A measured proportion with its 95% Wilson score interval (well-behaved at 0%, 100% and small samples).</summary>
public readonly record struct Proportion(int Successes, int Trials, double Value, double Lower, double Upper)
{
    private const double Z95 = 1.959963984540054;

    public static Proportion Of(int successes, int trials)
    {
        if (trials <= 0) return new Proportion(successes, 0, 0, 0, 1);
        double p = successes / (double)trials;
        double z2 = Z95 * Z95;
        double denominator = 1 + z2 / trials;
        double center = (p + z2 / (2 * trials)) / denominator;
        double half = Z95 * Math.Sqrt(p * (1 - p) / trials + z2 / (4.0 * trials * trials)) / denominator;
        // At 0 and n successes the bounds are exactly 0 and 1; computed, they come out a rounding error away.
        double lower = successes == 0 ? 0 : Math.Max(0, center - half);
        double upper = successes == trials ? 1 : Math.Min(1, center + half);
        return new Proportion(successes, trials, p, lower, upper);
    }
}
