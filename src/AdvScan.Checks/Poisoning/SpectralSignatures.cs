namespace AdvScan.Checks.Poisoning;

/// <summary>
/// Spectral signatures (Tran et al. 2018): per class, the representations are centred and each sample scored by its
/// squared projection on the top singular vector. The paper then removes the top 1.5 epsilon of EVERY class, which on
/// clean data discards that share of every class; here a class is first required to split clearly along that vector
/// (2-means on the projections, Ashman's D at least the configured separation), and only flagged classes are marked.
/// </summary>
public static class SpectralSignatures
{
    public const string Name = "spectral";

    public static ClassVerdict Judge(int cls, int[] indices, double[][] rows, PoisoningSettings settings)
    {
        if (rows.Length < 2 * settings.MinClusterSize) return new ClassVerdict(Name, cls, rows.Length, 0, 0, 0, false, []);
        var centred = PrincipalComponents.Centre(rows);
        var (directions, _) = PrincipalComponents.Top(centred, 1, settings.Seed + cls);
        var projection = PrincipalComponents.Project(centred, directions);
        var split = TwoMeans.Fit(projection, settings.Seed + cls);
        double separation = ClassSeparation.AshmanD(projection, split.Assignment);
        double silhouette = Silhouette.Mean(projection, split.Assignment);
        int share = (int)Math.Ceiling(settings.FlagShare * settings.ExpectedPoisonRate * rows.Length);
        bool flagged = separation >= settings.Separation && split.Count(split.Minority) >= settings.MinClusterSize;
        var marked = flagged
            ? Enumerable.Range(0, rows.Length).Select(i => (indices[i], projection[i][0] * projection[i][0]))
                .OrderByDescending(x => x.Item2).ThenBy(x => x.Item1).Take(Math.Min(share, rows.Length)).ToList()
            : [];
        return new ClassVerdict(Name, cls, rows.Length, split.MinorityShare, silhouette, separation, flagged, marked);
    }
}
