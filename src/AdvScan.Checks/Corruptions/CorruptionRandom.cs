using AdvScan.Scanning;
namespace AdvScan.Checks.Corruptions;

/// <summary>
/// The seeded randomness of one corrupted image: xoshiro256** seeded through SplitMix64 from a 64-bit seed folded from
/// the scan's seed, the example's dataset index, the corruption's name and the severity (<see cref="For"/>), so the same
/// example gets the same bytes on every shard and in every run, whatever else the scan contains.
/// </summary>
public sealed class CorruptionRandom
{
    private ulong s0, s1, s2, s3;

    public CorruptionRandom(ulong seed)
    {
        s0 = SplitMix64.Next(ref seed); s1 = SplitMix64.Next(ref seed); s2 = SplitMix64.Next(ref seed); s3 = SplitMix64.Next(ref seed);
    }

    /// <summary>The generator of one (example, corruption, severity) cell of a scan.</summary>
    public static CorruptionRandom For(long scanSeed, int datasetIndex, string corruption, int severity)
    {
        ulong h = 14695981039346656037UL; // FNV-1a over the name: stable across runs and processes, unlike string.GetHashCode
        foreach (char c in corruption) { h ^= c; h *= 1099511628211UL; }
        ulong seed = (ulong)scanSeed;
        seed = SplitMix64.Mix(seed ^ SplitMix64.Mix((ulong)(uint)datasetIndex + 0x9E3779B97F4A7C15UL));
        seed = SplitMix64.Mix(seed ^ h);
        seed = SplitMix64.Mix(seed ^ (ulong)(uint)severity);
        return new CorruptionRandom(seed);
    }

    public ulong NextULong()
    {
        ulong result = RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>A whole number in [low, high) (numpy's randint convention: the high end is excluded).</summary>
    public int Int(int low, int high) => low + (int)Math.Floor(NextDouble() * (high - low));

    /// <summary>A standard normal draw (Marsaglia's polar method).</summary>
    public double Normal()
    {
        if (spare is { } s) { spare = null; return s; }
        double u, v, q;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            q = u * u + v * v;
        } while (q >= 1 || q == 0);
        double f = Math.Sqrt(-2 * Math.Log(q) / q);
        spare = v * f;
        return u * f;
    }

    private double? spare;

    /// <summary>
    /// A Poisson draw: Knuth's multiplication method below a mean of 10, Hörmann's transformed rejection with squeeze
    /// (PTRS, 1993) above, both exact samplers of the distribution.
    /// </summary>
    public int Poisson(double mean)
    {
        if (!(mean > 0)) return 0;
        if (mean < 10)
        {
            double limit = Math.Exp(-mean), product = NextDouble();
            int k = 0;
            while (product > limit) { k++; product *= NextDouble(); }
            return k;
        }
        double slam = Math.Sqrt(mean), loglam = Math.Log(mean);
        double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
        double invAlpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
        while (true)
        {
            double u = NextDouble() - 0.5, v = NextDouble(), us = 0.5 - Math.Abs(u);
            double k = Math.Floor((2 * a / us + b) * u + mean + 0.43);
            if (us >= 0.07 && v <= vr) return (int)k;
            if (k < 0 || (us < 0.013 && v > us)) continue;
            if (Math.Log(v) + Math.Log(invAlpha) - Math.Log(a / (us * us) + b) <= -mean + k * loglam - LogFactorial((int)k)) return (int)k;
        }
    }

    private static readonly double[] SmallLogFactorials = BuildLogFactorials(256);

    /// <summary>ln k!: a table below 256, Stirling's series (error below 1e-15 there) above.</summary>
    internal static double LogFactorial(int k)
    {
        if (k < SmallLogFactorials.Length) return SmallLogFactorials[k];
        double x = k, inv = 1 / x, inv2 = inv * inv;
        return x * Math.Log(x) - x + 0.5 * Math.Log(2 * Math.PI * x) + inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 / 1260));
    }

    private static double[] BuildLogFactorials(int count)
    {
        var table = new double[count];
        for (int k = 2; k < count; k++) table[k] = table[k - 1] + Math.Log(k);
        return table;
    }



    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
