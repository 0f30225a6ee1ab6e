namespace AdvScan.Data;

/// <summary>Deterministic example selection: the same labels, count and seed give the same indices on every machine.</summary>
public static class Sampling
{
    /// <summary>
    /// Picks <paramref name="count"/> indices stratified by label: each class gets its proportional share (largest
    /// remainders, ties to the lower label), drawn uniformly within the class. Returned in ascending order so that
    /// readers move forward through files. A count at or above the dataset's size returns every index.
    /// </summary>
    public static int[] Stratified(IReadOnlyList<int> labels, int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count >= labels.Count) return Enumerable.Range(0, labels.Count).ToArray();
        var byClass = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < labels.Count; i++)
        {
            if (!byClass.TryGetValue(labels[i], out var members)) byClass[labels[i]] = members = new List<int>();
            members.Add(i);
        }
        var classes = byClass.ToList();
        var quotas = new int[classes.Count];
        var remainders = new double[classes.Count];
        int assigned = 0;
        for (int k = 0; k < classes.Count; k++)
        {
            double exact = (double)count * classes[k].Value.Count / labels.Count;
            quotas[k] = (int)Math.Floor(exact);
            remainders[k] = exact - quotas[k];
            assigned += quotas[k];
        }
        foreach (var k in Enumerable.Range(0, classes.Count).OrderByDescending(k => remainders[k]).ThenBy(k => k).Take(count - assigned))
            quotas[k]++;

        var random = new SplitMix64((ulong)(uint)seed);
        var chosen = new List<int>(count);
        for (int k = 0; k < classes.Count; k++)
        {
            var members = classes[k].Value.ToArray();
            // Partial Fisher-Yates: the first quota slots end up a uniform sample of the class.
            for (int i = 0; i < quotas[k]; i++)
            {
                int j = i + (int)random.NextBelow((ulong)(members.Length - i));
                (members[i], members[j]) = (members[j], members[i]);
                chosen.Add(members[i]);
            }
        }
        chosen.Sort();
        return chosen.ToArray();
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014): tiny, fully specified, identical everywhere, unlike System.Random's unspecified algorithm.</summary>
    private struct SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, bound) by rejection, so no modulo bias.</summary>
        public ulong NextBelow(ulong bound)
        {
            ulong limit = ulong.MaxValue - ulong.MaxValue % bound;
            ulong v;
            do v = Next(); while (v >= limit);
            return v % bound;
        }
    }
}
