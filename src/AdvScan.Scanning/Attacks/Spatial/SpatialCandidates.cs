namespace AdvScan.Scanning.Attacks.Spatial;

/// <summary>
/// The transformations the spatial attack tries on one example at one budget: <c>draws</c> uniform random ones in
/// [-budget R, budget R] degrees and [-budget T, budget T] pixels per axis, and optionally a grid over the same box,
/// smallest first (by the share of the range each needs). The draws depend only on the scan's seed, the example's
/// pixels and the budget, never on which other examples, budgets or shards share the run: so the same example gets the
/// same transformations sharded or not, and a run at a budget list tries at its widest budget every transformation a
/// run at any listed narrower budget tries (the evaluation carries examples broken at a smaller budget forward),
/// which is why a wider range can never report a higher robust accuracy.
/// </summary>
public static class SpatialCandidates
{
    public static IReadOnlyList<SpatialTransform> For(long seed, ReadOnlySpan<float> image, double budget, double maxDegrees, double maxShift, int draws, int gridRotations, int gridShifts)
    {
        ulong state = SplitMix64.Mix((ulong)seed ^ SplitMix64.Mix(Fingerprint(image)) ^ SplitMix64.Mix((ulong)BitConverter.DoubleToInt64Bits(budget) + 0x9E3779B97F4A7C15UL));
        double Uniform() => (SplitMix64.Next(ref state) >> 11) * (1.0 / (1UL << 53)) * 2 - 1;
        var candidates = new List<SpatialTransform>(draws + gridRotations * gridShifts * gridShifts);
        for (int i = 0; i < draws; i++)
        {
            double degrees = Uniform() * budget * maxDegrees, dx = Uniform() * budget * maxShift, dy = Uniform() * budget * maxShift;
            candidates.Add(new SpatialTransform(degrees, dx, dy));
        }
        double Step(int k, int count) => count <= 1 ? 0 : 2.0 * k / (count - 1) - 1;
        for (int r = 0; r < gridRotations; r++)
            for (int a = 0; a < gridShifts; a++)
                for (int b = 0; b < gridShifts; b++)
                    candidates.Add(new SpatialTransform(Step(r, gridRotations) * budget * maxDegrees, Step(a, gridShifts) * budget * maxShift, Step(b, gridShifts) * budget * maxShift));
        return candidates.Where(t => !t.IsIdentity)
            .Select((t, index) => (t, index)).OrderBy(p => p.t.Size(maxDegrees, maxShift)).ThenBy(p => p.index).Select(p => p.t).ToList();
    }

    /// <summary>FNV-1a over the pixels' bits: the example's identity, the same on every shard.</summary>
    private static ulong Fingerprint(ReadOnlySpan<float> image)
    {
        ulong h = 14695981039346656037UL;
        foreach (var v in image) { h ^= (uint)BitConverter.SingleToInt32Bits(v); h *= 1099511628211UL; }
        return h;
    }


}
