using AdvScan.Checks.Patch;

namespace AdvScan.Checks.Tests.Patch;

public class SampleSplitTests
{
    [Fact]
    public void Train_and_held_out_parts_are_disjoint_cover_the_sample_and_split_every_class()
    {
        var labels = Enumerable.Range(0, 300).Select(i => i % 3).ToArray();
        var sample = Enumerable.Range(0, 300).Where(i => i % 5 != 0).ToArray();
        var split = SampleSplit.Of(sample, labels, 0.5, seed: 11);
        Assert.Empty(split.Train.Intersect(split.HeldOut));
        Assert.Equal(sample.OrderBy(i => i), split.Train.Concat(split.HeldOut).OrderBy(i => i));
        foreach (var c in new[] { 0, 1, 2 })
        {
            int inClass = sample.Count(i => labels[i] == c), train = split.Train.Count(i => labels[i] == c);
            Assert.InRange(train, inClass / 2 - 1, inClass / 2 + 1);
        }
    }

    [Fact]
    public void The_split_depends_on_the_seed_not_on_the_order_of_the_sample()
    {
        var labels = Enumerable.Range(0, 100).Select(i => i % 2).ToArray();
        var sample = Enumerable.Range(0, 100).ToArray();
        var a = SampleSplit.Of(sample, labels, 0.5, seed: 1);
        Assert.Equal(a, SampleSplit.Of(sample.Reverse().ToArray(), labels, 0.5, seed: 1), new SplitComparer());
        Assert.NotEqual(a.Train, SampleSplit.Of(sample, labels, 0.5, seed: 2).Train);
    }

    private sealed class SplitComparer : IEqualityComparer<SampleSplit>
    {
        public bool Equals(SampleSplit? x, SampleSplit? y) => x!.Train.SequenceEqual(y!.Train) && x.HeldOut.SequenceEqual(y.HeldOut);
        public int GetHashCode(SampleSplit obj) => 0;
    }
}
