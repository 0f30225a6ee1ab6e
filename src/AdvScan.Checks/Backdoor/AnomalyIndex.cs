namespace AdvScan.Checks.Backdoor;

/// <summary>
/// Neural Cleanse's outlier test on the classes' mask norms: the anomaly index of a class is its distance from the
/// median norm in units of the consistency-scaled median absolute deviation (MAD x 1.4826, which estimates the standard
/// deviation for normal data). Only a class below the median with an index above the threshold (2 in the paper, about
/// 95% confidence under normality) is a likely backdoor target: a backdoor makes its class easier to reach, never harder.
/// </summary>
/// <remarks>
/// <see cref="Of"/> is the paper's index on the L1 norms; <see cref="OfLog"/> applies the same test to their logarithms,
/// which the check flags on. Mask norms are positive and skewed to the right (clean classes of mnist-badnets spread
/// from 23 to 58), so on the raw scale the wide upper half inflates the MAD and a mask twenty times smaller than the
/// median can sit at index 1.95 (measured on one draw of mnist-badnets); on the log scale the same mask is at 6.5 and
/// clean classes of four clean and backdoored models stay below 1.9. The log scale is also sensitive to small natural
/// shortcuts (fashion-cnn's bag up to 8.4), which <see cref="TriggerCompactness"/> then separates.
/// </remarks>
public static class AnomalyIndex
{
    public const double Consistency = 1.4826;
    public const double DefaultThreshold = 2;

    /// <summary>The anomaly index of every class's norm.</summary>
    public static double[] Of(IReadOnlyList<double> norms)
    {
        if (norms.Count == 0) return [];
        double median = Median(norms);
        double mad = Consistency * Median(norms.Select(v => Math.Abs(v - median)).ToList());
        // All norms (nearly) equal: nothing stands out; a floor keeps the index finite for one lone deviation.
        double scale = Math.Max(mad, 1e-9 * Math.Max(1, Math.Abs(median)));
        return norms.Select(v => Math.Abs(v - median) / scale).ToArray();
    }

    /// <summary>The anomaly index of every class's norm on the log scale (norms floored at 1e-9 so an empty mask stays finite).</summary>
    public static double[] OfLog(IReadOnlyList<double> norms) => Of(LogOf(norms));

    /// <summary>The norms on the log scale, floored at 1e-9: what <see cref="OfLog"/> judges (and <see cref="Flagged"/> can take).</summary>
    public static IReadOnlyList<double> LogOf(IReadOnlyList<double> norms) => norms.Select(v => Math.Log(Math.Max(v, 1e-9))).ToList();

    /// <summary>Classes below the median norm whose anomaly index exceeds <paramref name="threshold"/>, most anomalous first.</summary>
    public static int[] Flagged(IReadOnlyList<double> norms, double threshold = DefaultThreshold)
    {
        var index = Of(norms);
        double median = Median(norms);
        return Enumerable.Range(0, norms.Count).Where(k => norms[k] < median && index[k] > threshold)
            .OrderByDescending(k => index[k]).ThenBy(k => k).ToArray();
    }

    /// <summary>The largest anomaly index among classes below the median (0 when none is): the figure a gate judges.</summary>
    public static double MaxBelowMedian(IReadOnlyList<double> norms)
    {
        if (norms.Count == 0) return 0;
        var index = Of(norms);
        double median = Median(norms);
        return Enumerable.Range(0, norms.Count).Where(k => norms[k] < median).Select(k => index[k]).DefaultIfEmpty(0).Max();
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
