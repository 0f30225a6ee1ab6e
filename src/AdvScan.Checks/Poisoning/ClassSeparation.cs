namespace AdvScan.Checks.Poisoning;

/// <summary>
/// How far apart the two clusters of a 2-way split are: Ashman's D along the axis joining the cluster means,
/// sqrt(2)|m1 - m0| / sqrt(s0² + s1²). Chosen over the mean silhouette as the flagging statistic because on the
/// measured data the silhouette did not separate poison from clean structure (poisoned mnist-badnets class 7 read 0.375
/// in 10 components, a clean mnist digit 1 0.414), while D did (7.7 against at most 5.7 over 40 clean classes of four
/// model/data pairs). D is scale-free, and a split of one Gaussian blob reads about 2.65 whatever its size.
/// </summary>
public static class ClassSeparation
{
    public static double AshmanD(IReadOnlyList<double[]> points, int[] assignment)
    {
        int d = points[0].Length;
        var means = new double[2][] { new double[d], new double[d] };
        var counts = new int[2];
        for (int i = 0; i < points.Count; i++)
        {
            counts[assignment[i]]++;
            for (int j = 0; j < d; j++) means[assignment[i]][j] += points[i][j];
        }
        if (counts[0] < 2 || counts[1] < 2) return 0;
        var axis = new double[d];
        for (int j = 0; j < d; j++) axis[j] = means[1][j] / counts[1] - means[0][j] / counts[0];
        double norm = Math.Sqrt(PrincipalComponents.Dot(axis, axis));
        if (norm == 0) return 0;
        var sum = new double[2];
        var sumSq = new double[2];
        for (int i = 0; i < points.Count; i++)
        {
            double p = PrincipalComponents.Dot(points[i], axis) / norm;
            sum[assignment[i]] += p;
            sumSq[assignment[i]] += p * p;
        }
        double m0 = sum[0] / counts[0], m1 = sum[1] / counts[1];
        double v0 = Math.Max(0, sumSq[0] / counts[0] - m0 * m0), v1 = Math.Max(0, sumSq[1] / counts[1] - m1 * m1);
        return v0 + v1 == 0 ? double.PositiveInfinity : Math.Sqrt(2) * Math.Abs(m1 - m0) / Math.Sqrt(v0 + v1);
    }
}
