namespace AdvScan.Checks.Poisoning;

/// <summary>A 2-way split of points: each point's cluster (0 or 1) and the within-cluster sum of squares.</summary>
public sealed record Split(int[] Assignment, double Inertia)
{
    public int Count(int cluster) => Assignment.Count(a => a == cluster);

    /// <summary>The smaller cluster's share of the points.</summary>
    public double MinorityShare => Math.Min(Count(0), Count(1)) / (double)Assignment.Length;

    /// <summary>The smaller cluster (cluster 1 on a tie, so the choice is fixed).</summary>
    public int Minority => Count(0) < Count(1) ? 0 : 1;
}

/// <summary>
/// Seeded 2-means (Lloyd's iterations from k-means++ starts, the best of a few restarts by inertia). Deterministic:
/// the same points and seed give the same split, and ties go to the lower cluster index.
/// </summary>
public static class TwoMeans
{
    private const int Restarts = 4, MaxIterations = 100;

    public static Split Fit(IReadOnlyList<double[]> points, int seed)
    {
        if (points.Count < 2) return new Split(new int[points.Count], 0);
        var random = new Random(seed);
        Split? best = null;
        for (int restart = 0; restart < Restarts; restart++)
        {
            var split = Lloyd(points, PlusPlusStart(points, random));
            if (best is null || split.Inertia < best.Inertia - 1e-12) best = split;
        }
        return best!;
    }

    public static double Distance2(double[] a, double[] b)
    {
        double s = 0;
        for (int j = 0; j < a.Length; j++) { double e = a[j] - b[j]; s += e * e; }
        return s;
    }

    private static double[][] PlusPlusStart(IReadOnlyList<double[]> points, Random random)
    {
        var first = points[random.Next(points.Count)];
        var weights = points.Select(p => Distance2(p, first)).ToArray();
        double total = weights.Sum();
        int second = 0;
        if (total > 0)
        {
            double r = random.NextDouble() * total, acc = 0;
            for (second = 0; second < points.Count - 1; second++) { acc += weights[second]; if (acc >= r) break; }
        }
        return [(double[])first.Clone(), (double[])points[second].Clone()];
    }

    private static Split Lloyd(IReadOnlyList<double[]> points, double[][] centres)
    {
        var assignment = new int[points.Count];
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            bool moved = iteration == 0;
            for (int i = 0; i < points.Count; i++)
            {
                int c = Distance2(points[i], centres[1]) < Distance2(points[i], centres[0]) ? 1 : 0;
                if (c != assignment[i]) { assignment[i] = c; moved = true; }
            }
            if (!moved) break;
            for (int c = 0; c < 2; c++)
            {
                var members = Enumerable.Range(0, points.Count).Where(i => assignment[i] == c).ToArray();
                if (members.Length == 0) continue; // keep the old centre: an empty cluster means no split
                var centre = new double[points[0].Length];
                foreach (var i in members) for (int j = 0; j < centre.Length; j++) centre[j] += points[i][j];
                for (int j = 0; j < centre.Length; j++) centre[j] /= members.Length;
                centres[c] = centre;
            }
        }
        double inertia = 0;
        for (int i = 0; i < points.Count; i++) inertia += Distance2(points[i], centres[assignment[i]]);
        return new Split(assignment, inertia);
    }
}
