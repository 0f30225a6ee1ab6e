namespace AdvScan.Checks.Poisoning;

/// <summary>
/// The mean silhouette of a 2-way split (Rousseeuw 1987): per point (b - a) / max(a, b), a its mean distance to its own
/// cluster, b to the other; 0 for a point alone in its cluster. Exact (all pairs), which per class of a few thousand
/// points in ten dimensions is milliseconds.
/// </summary>
public static class Silhouette
{
    public static double Mean(IReadOnlyList<double[]> points, int[] assignment)
    {
        int n = points.Count;
        var counts = new int[2];
        foreach (var a in assignment) counts[a]++;
        if (counts[0] == 0 || counts[1] == 0) return 0;
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            var sums = new double[2];
            for (int k = 0; k < n; k++)
                if (k != i) sums[assignment[k]] += Math.Sqrt(TwoMeans.Distance2(points[i], points[k]));
            int own = assignment[i];
            if (counts[own] == 1) continue;
            double a = sums[own] / (counts[own] - 1), b = sums[1 - own] / counts[1 - own];
            double m = Math.Max(a, b);
            total += m > 0 ? (b - a) / m : 0;
        }
        return total / n;
    }
}
