namespace AdvScan.Scanning;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): the seed mixer behind every draw that must depend only on a seed and the
/// data (a corrupted image, a spatial candidate), never on run order, so shards and reruns draw the same.
/// </summary>
public static class SplitMix64
{
    /// <summary>Advances <paramref name="state"/> and returns its next output.</summary>
    public static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    /// <summary>SplitMix64's finaliser: a bijective mix of all 64 bits.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
