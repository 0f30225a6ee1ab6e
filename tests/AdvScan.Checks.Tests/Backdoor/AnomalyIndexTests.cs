using AdvScan.Checks.Backdoor;

namespace AdvScan.Checks.Tests.Backdoor;

public class AnomalyIndexTests
{
    [Fact]
    public void Anomaly_index_is_the_distance_from_the_median_in_units_of_1_4826_times_the_median_absolute_deviation()
    {
        // Median 10; absolute deviations 9,2,1,0,1,2,10 -> median 2 -> scale 2.9652.
        double[] norms = [1, 8, 9, 10, 11, 12, 20];
        var index = AnomalyIndex.Of(norms);
        Assert.Equal(9 / (2 * 1.4826), index[0], 10);
        Assert.Equal(0, index[3], 10);
        Assert.Equal(10 / (2 * 1.4826), index[6], 10);
    }

    [Fact]
    public void Only_classes_below_the_median_are_flagged_however_far_above_it_others_lie()
    {
        double[] norms = [1, 8, 9, 10, 11, 12, 20];
        // Class 0 (index 3.04) is flagged; class 6 (index 3.37) is anomalous the harmless way: harder to reach.
        Assert.Equal([0], AnomalyIndex.Flagged(norms));
        Assert.Equal(9 / (2 * 1.4826), AnomalyIndex.MaxBelowMedian(norms), 10);
        Assert.Empty(AnomalyIndex.Flagged([10, 11, 9, 10, 40]));
    }

    [Fact]
    public void Equal_norms_give_index_zero_and_no_flag()
    {
        Assert.All(AnomalyIndex.Of([5, 5, 5, 5]), v => Assert.Equal(0, v));
        Assert.Empty(AnomalyIndex.Flagged([5, 5, 5, 5]));
    }

    [Fact]
    public void On_the_log_scale_a_mask_twenty_times_below_the_median_stands_out_where_the_skewed_raw_norms_hide_it()
    {
        // Measured on one draw of mnist-badnets (class 7 planted): the wide upper half inflates the raw MAD.
        double[] norms = [47.05, 55.71, 30.36, 31.77, 50.83, 32.67, 57.89, 1.69, 23.45, 38.83];
        Assert.True(AnomalyIndex.Of(norms)[7] < 2, "the paper's index on these norms");
        var log = AnomalyIndex.OfLog(norms);
        Assert.True(log[7] > 6, $"log index {log[7]:0.##}");
        Assert.All(Enumerable.Range(0, norms.Length).Where(k => k != 7), k => Assert.True(log[k] < 2, $"class {k}: {log[k]:0.##}"));
        Assert.Equal(AnomalyIndex.Of(norms.Select(v => Math.Log(v)).ToList()), log);
    }
}
