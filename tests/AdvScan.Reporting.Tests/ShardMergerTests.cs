using System.Text.Json.Nodes;
using AdvScan.Scanning;

namespace AdvScan.Reporting.Tests;

public class ShardMergerTests
{
    private static ScanReport ShardFromJson(SampleReports.Counts counts) =>
        ScanReportJson.Read(ScanReportJson.Serialize(SampleReports.Build(counts, [])), "shard.json");

    private static ScanReport MergedShards() =>
        ShardMerger.Merge([ShardFromJson(SampleReports.ShardA), ShardFromJson(SampleReports.ShardB)], SampleReports.Near);

    /// <summary>The JSON without the figures that are floating-point sums or approximations; those are checked apart.</summary>
    private static string CountsOnly(ScanReport report)
    {
        var node = JsonNode.Parse(ScanReportJson.Serialize(report))!;
        foreach (var attack in node["attacks"]!.AsArray())
        {
            attack!.AsObject().Remove("medianMinimalL2");
            foreach (var point in attack["curve"]!.AsArray())
                foreach (var name in new[] { "meanPerturbation", "perturbationSum", "medianPerturbation" }) point!.AsObject().Remove(name);
        }
        return node.ToJsonString();
    }

    [Fact]
    public void Merging_two_shards_gives_the_counts_intervals_and_verdicts_of_the_union()
    {
        var union = SampleReports.Build(SampleReports.Union(SampleReports.ShardA, SampleReports.ShardB), []);
        Assert.Equal(CountsOnly(union), CountsOnly(MergedShards()));
    }

    [Fact]
    public void Merged_mean_perturbation_is_the_mean_over_the_union()
    {
        var union = SampleReports.Build(SampleReports.Union(SampleReports.ShardA, SampleReports.ShardB), []);
        var merged = MergedShards();
        for (int a = 0; a < union.Attacks.Count; a++)
            for (int b = 0; b < union.Attacks[a].Result.Curve.Count; b++)
                Assert.Equal(union.Attacks[a].Result.Curve[b].MeanPerturbation, merged.Attacks[a].Result.Curve[b].MeanPerturbation, 1e-12);
    }

    [Fact]
    public void Gates_are_judged_again_on_the_merged_figure()
    {
        // The verdict comes from the merged counts, not from either shard's own verdict.
        var merged = MergedShards();
        var robust = merged.Gates.Single(g => g.Gate.Id == "robust-pgd");
        Assert.Equal(Proportion.Of(38, 160), robust.Measured.Proportion);
        Assert.Equal(GateStatus.Fail, robust.Status);
        Assert.Equal(GateStatus.Near, merged.Gates.Single(g => g.Gate.Id == "success-square").Status);
    }

    [Fact]
    public void Merged_median_lies_between_the_shard_medians()
    {
        var a = ShardFromJson(SampleReports.ShardA).Attacks[0].Result.Curve[2].MedianPerturbation;
        var b = ShardFromJson(SampleReports.ShardB).Attacks[0].Result.Curve[2].MedianPerturbation;
        var merged = MergedShards().Attacks[0].Result.Curve[2].MedianPerturbation;
        Assert.InRange(merged, Math.Min(a, b), Math.Max(a, b));
    }

    [Fact]
    public void Shards_of_different_models_are_refused()
    {
        var other = ShardFromJson(SampleReports.ShardB) with { ModelSha256 = new string('0', 64) };
        var error = Assert.Throws<InvalidInputException>(() => ShardMerger.Merge([ShardFromJson(SampleReports.ShardA), other]));
        Assert.Contains("SHA-256", error.Problem);
    }

    [Fact]
    public void Shards_whose_attack_ran_with_other_parameters_are_refused()
    {
        // The same ids and budgets, but PGD with 30 steps in one shard: their counts are not one figure.
        var text = ScanReportJson.Serialize(SampleReports.Build(SampleReports.ShardB, []));
        var forged = text.Replace("\"steps\": 40", "\"steps\": 30", StringComparison.Ordinal);
        Assert.NotEqual(text, forged);
        var error = Assert.Throws<InvalidInputException>(() => ShardMerger.Merge([ShardFromJson(SampleReports.ShardA), ScanReportJson.Read(forged, "shard2.json")]));
        Assert.Contains("the parameters of attack 'pgd' differs", error.Problem);
    }

    [Fact]
    public void Merging_nothing_is_refused()
    {
        Assert.Throws<InvalidInputException>(() => ShardMerger.Merge([]));
    }
}
