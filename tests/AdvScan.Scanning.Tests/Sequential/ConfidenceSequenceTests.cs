namespace AdvScan.Scanning.Tests.Sequential;

/// <summary>
/// The confidence sequence against its own guarantee, by simulation: seeded Bernoulli streams at means near 0, 1/2
/// and 1, looked at after every observation. Its error under optional stopping must stay at alpha; a Wilson interval
/// recomputed at every look, the construction the issue rules out, is shown to break it in the same harness.
/// </summary>
public sealed class ConfidenceSequenceTests
{
    private const int Streams = 150;
    private const int Length = 300;
    private static readonly double[] Means = [0.02, 0.2, 0.5, 0.8, 0.98];

    /// <summary>The simulated error may exceed alpha only by three standard errors of the simulation.</summary>
    private static double Allowed(double alpha, int runs) => alpha + 3 * Math.Sqrt(alpha * (1 - alpha) / runs);

    private static IEnumerable<double> Stream(Random random, double mean)
    {
        for (int t = 0; t < Length; t++) yield return random.NextDouble() < mean ? 1 : 0;
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.2)]
    public void The_sequence_covers_the_true_mean_at_every_time_at_once_with_probability_at_least_one_minus_alpha(double alpha)
    {
        var random = new Random(28);
        int misses = 0, runs = 0;
        foreach (var mean in Means)
            for (int s = 0; s < Streams; s++, runs++)
            {
                var sequence = new ConfidenceSequence(alpha, gridSize: 200);
                foreach (var x in Stream(random, mean))
                {
                    sequence.Add(x);
                    // Stopped at the first time the sequence excludes the mean: that stream is an error.
                    if (sequence.Lower > mean || sequence.Upper < mean) { misses++; break; }
                }
            }
        Assert.InRange(misses / (double)runs, 0, Allowed(alpha, runs));
    }

    [Theory]
    [InlineData(0.2, 0.5)]
    [InlineData(0.5, 0.45)]
    [InlineData(0.8, 0.5)]
    [InlineData(0.98, 0.9)]
    public void A_gate_stopped_at_the_first_look_where_the_sequence_crosses_its_threshold_errs_at_most_alpha_and_far_from_it_stops_early(double mean, double threshold)
    {
        const double alpha = 0.05;
        var random = new Random(2028);
        int wrong = 0, settled = 0, looks = 0;
        for (int s = 0; s < Streams; s++)
        {
            var sequence = new ConfidenceSequence(alpha, gridSize: 200);
            foreach (var x in Stream(random, mean))
            {
                sequence.Add(x);
                bool pass = sequence.Lower >= threshold, fail = sequence.Upper < threshold;
                if (!pass && !fail) continue;
                settled++;
                looks += sequence.Count;
                if (pass != mean >= threshold) wrong++;
                break;
            }
        }
        Assert.InRange(wrong / (double)Streams, 0, Allowed(alpha, Streams));
        if (Math.Abs(mean - threshold) >= 0.3)
        {
            Assert.Equal(Streams, settled);
            Assert.InRange(looks / (double)settled, 1, Length / 4.0);
        }
    }

    [Fact]
    public void A_Wilson_interval_recomputed_at_every_look_fails_the_same_simulation()
    {
        var random = new Random(28);
        int misses = 0, runs = 0;
        for (int s = 0; s < Streams; s++, runs++)
        {
            int successes = 0, t = 0;
            foreach (var x in Stream(random, 0.5))
            {
                t++;
                successes += (int)x;
                var p = Proportion.Of(successes, t);
                if (p.Lower > 0.5 || p.Upper < 0.5) { misses++; break; }
            }
        }
        Assert.True(misses / (double)runs > Allowed(0.05, runs), $"Wilson at every look erred in {misses} of {runs} streams");
    }

    [Fact]
    public void The_interval_narrows_around_the_observed_mean_and_never_widens()
    {
        var sequence = new ConfidenceSequence(0.05);
        var random = new Random(7);
        double lower = 0, upper = 1;
        for (int t = 0; t < 2000; t++)
        {
            sequence.Add(random.NextDouble() < 0.3 ? 1 : 0);
            Assert.True(sequence.Lower >= lower && sequence.Upper <= upper);
            (lower, upper) = (sequence.Lower, sequence.Upper);
        }
        Assert.InRange(sequence.Mean, lower, upper);
        Assert.True(upper - lower < 0.1, $"after 2000 observations the interval is {lower}-{upper}");
    }
}
