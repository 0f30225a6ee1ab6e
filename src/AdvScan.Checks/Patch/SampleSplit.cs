namespace AdvScan.Checks.Patch;

/// <summary>
/// Splits the whole sample (identical on every shard) into a training part the patch is optimised on and a disjoint
/// held-out part it is judged on, per class so both parts see every class. Depends only on the sample, labels and
/// seed, so every shard optimises the same patch and judges its own share of the same held-out part.
/// </summary>
public sealed record SampleSplit(IReadOnlyList<int> Train, IReadOnlyList<int> HeldOut)
{
    public static SampleSplit Of(IReadOnlyList<int> sample, IReadOnlyList<int> labels, double trainFraction, long seed)
    {
        var train = new List<int>();
        var heldOut = new List<int>();
        foreach (var group in sample.Distinct().GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var members = group.OrderBy(i => i).ToArray();
            PatchSeeds.Random(seed, PatchSeeds.Split, group.Key).Shuffle(members);
            // A class with at least two examples keeps one for each side.
            int take = (int)Math.Round(trainFraction * members.Length, MidpointRounding.ToEven);
            if (members.Length >= 2) take = Math.Clamp(take, 1, members.Length - 1);
            train.AddRange(members.Take(take));
            heldOut.AddRange(members.Skip(take));
        }
        train.Sort();
        heldOut.Sort();
        return new SampleSplit(train, heldOut);
    }
}
