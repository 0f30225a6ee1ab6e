namespace AdvScan.Checks.Poisoning;

/// <summary>
/// Spectral signatures (Tran et al. 2018): per class, the representations are centred and each sample scored by its
/// squared projection on the top singular vector. The paper then removes the top 1.5 epsilon of EVERY class, which on
/// clean data discards that share of every class; here a class is first required to split clearly along that vector
/// (2-means on the projections, Ashman's D at least the configured separation), and only flagged classes are marked,
/// scored around their genuine side (<see cref="Recentre"/>, chosen by <see cref="PoisonScreening"/>).
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
        return new ClassVerdict(Name, cls, rows.Length, split.MinorityShare, silhouette, separation, flagged, marked)
        {
            Projection = flagged ? Enumerable.Range(0, rows.Length).Select(i => (indices[i], projection[i][0], split.Assignment[i])).ToList() : [],
        };
    }

    /// <summary>
    /// Re-scores a flagged class around the mean of its genuine side instead of the class mean. Tran et al.'s centring
    /// assumes poison is a small share of the class, so the class mean sits on the clean samples; when poison is near
    /// half the class (BadNets at 10% of the set), the class mean sits between the two groups and the squared
    /// projection scores both alike (measured: precision 0.69 on mnist-badnets). Centred on the genuine side, the poison
    /// side scores highest. The same top share is marked.
    /// </summary>
    public static ClassVerdict Recentre(ClassVerdict v, int genuineSide, string why, PoisoningSettings settings)
    {
        var genuine = v.Projection.Where(p => p.Side == genuineSide).ToList();
        double centre = genuine.Average(p => p.Coordinate);
        int share = (int)Math.Ceiling(settings.FlagShare * settings.ExpectedPoisonRate * v.Count);
        var marked = v.Projection.Select(p => (p.Index, Score: (p.Coordinate - centre) * (p.Coordinate - centre)))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Index).Take(Math.Min(share, v.Count)).ToList();
        return v with { Marked = marked, Choice = $"scored around the mean of the genuine side ({why})" };
    }
}
