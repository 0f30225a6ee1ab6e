namespace AdvScan.Checks.Patch;

/// <summary>
/// Independent seeded streams derived from the scan's seed: the train/held-out split, each area's optimisation
/// draws, each judged example's draws, the random control patch, the draws every restart is scored under on the
/// training part. Judging draws come from a different stream than the optimisation draws, so the patch is judged under
/// transformations it never saw.
/// </summary>
internal static class PatchSeeds
{
    public const long Split = 1, Optimise = 2, Judge = 3, Control = 4, Initial = 5, Select = 6;

    /// <summary>SplitMix64 over the parts: a well-mixed 64-bit seed for every combination.</summary>
    public static long Mix(long seed, params long[] parts)
    {
        ulong h = unchecked((ulong)seed);
        foreach (var part in parts) h = Next(h ^ unchecked((ulong)part) * 0x9E3779B97F4A7C15UL);
        return unchecked((long)h);
    }

    public static Random Random(long seed, params long[] parts) => new(unchecked((int)(Mix(seed, parts) & 0x7FFFFFFF)));

    private static ulong Next(ulong z)
    {
        z = unchecked(z + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
