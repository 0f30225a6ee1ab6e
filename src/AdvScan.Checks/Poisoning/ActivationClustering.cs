namespace AdvScan.Checks.Poisoning;

/// <summary>
/// Activation clustering (Chen et al. 2018): per class, the representations are reduced to a few principal
/// components and split by 2-means; a class whose split is clearly separated is flagged and its smaller cluster marked
/// (<see cref="PoisonScreening"/> swaps to the larger one when <see cref="LabelConsistency"/> clearly says so).
/// Each marked sample's score is how firmly it sits in its cluster: (b - a) / max(a, b), a and b its distances to its own
/// and the other cluster's centre.
/// </summary>
public static class ActivationClustering
{
    public const string Name = "clustering";

    public static ClassVerdict Judge(int cls, int[] indices, double[][] rows, PoisoningSettings settings)
    {
        if (rows.Length < 2 * settings.MinClusterSize) return new ClassVerdict(Name, cls, rows.Length, 0, 0, 0, false, []);
        var centred = PrincipalComponents.Centre(rows);
        var (directions, _) = PrincipalComponents.Top(centred, settings.Dimensions, settings.Seed + cls);
        var reduced = PrincipalComponents.Project(centred, directions);
        var split = TwoMeans.Fit(reduced, settings.Seed + cls);
        double separation = ClassSeparation.AshmanD(reduced, split.Assignment);
        double silhouette = Silhouette.Mean(reduced, split.Assignment);
        int minority = split.Minority;
        bool flagged = separation >= settings.Separation && split.Count(minority) >= settings.MinClusterSize;
        var marked = flagged ? Rank(indices, reduced, split.Assignment, minority) : [];
        return new ClassVerdict(Name, cls, rows.Length, split.MinorityShare, silhouette, separation, flagged, marked)
        {
            Other = flagged ? Rank(indices, reduced, split.Assignment, 1 - minority) : [],
        };
    }

    private static List<(int, double)> Rank(int[] indices, double[][] points, int[] assignment, int cluster)
    {
        var centres = new double[2][];
        for (int c = 0; c < 2; c++)
        {
            var members = Enumerable.Range(0, points.Length).Where(i => assignment[i] == c).ToArray();
            centres[c] = new double[points[0].Length];
            foreach (var i in members) for (int j = 0; j < centres[c].Length; j++) centres[c][j] += points[i][j] / members.Length;
        }
        return Enumerable.Range(0, points.Length).Where(i => assignment[i] == cluster).Select(i =>
        {
            double a = Math.Sqrt(TwoMeans.Distance2(points[i], centres[cluster])), b = Math.Sqrt(TwoMeans.Distance2(points[i], centres[1 - cluster]));
            return (indices[i], Math.Max(a, b) > 0 ? (b - a) / Math.Max(a, b) : 0);
        }).OrderByDescending(x => x.Item2).ThenBy(x => x.Item1).ToList();
    }
}
