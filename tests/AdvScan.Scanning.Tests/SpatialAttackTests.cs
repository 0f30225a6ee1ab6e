using System.Text.Json;
using AdvScan.Attacks;
using AdvScan.Cli;
using AdvScan.Scanning.Attacks.Spatial;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Scanning.Tests;

/// <summary>
/// The spatial attack (Engstrom et al. 2019): its transformation against exact pixel moves, its candidates' range,
/// order and seeding, and, judged by ONNX Runtime on mnist-cnn, that a wider range never reports a higher robust
/// accuracy (within a budget list and against runs at a single budget), that it breaks the standard CNN, that shards
/// merge to the unsharded counts, and `advscan attack --attack spatial`.
/// </summary>
public sealed class SpatialAttackTests : IDisposable
{
    private readonly ConfigFiles files = new();

    private static float[] Ramp(int channels, int side) => Enumerable.Range(0, channels * side * side).Select(i => (float)((i * 37 % 101) / 100.0)).ToArray();

    [Fact]
    public void Whole_pixel_shifts_move_pixels_exactly_with_zeros_behind_and_quarter_turns_are_exact()
    {
        int side = 5;
        var image = Ramp(2, side);
        var into = new float[image.Length];
        new SpatialTransform(0, 0, 0).Apply(image, into, 2, side, side);
        Assert.Equal(image, into);

        new SpatialTransform(0, 2, -1).Apply(image, into, 2, side, side);
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                {
                    int sx = x - 2, sy = y + 1;
                    float expected = sx is >= 0 and < 5 && sy is >= 0 and < 5 ? image[(c * side + sy) * side + sx] : 0;
                    Assert.Equal(expected, into[(c * side + y) * side + x], 5);
                }

        // Counter-clockwise as displayed: the top row becomes the left column, read bottom to top.
        new SpatialTransform(90, 0, 0).Apply(image, into, 2, side, side);
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
                Assert.Equal(image[x * side + (side - 1 - y)], into[y * side + x], 4);
    }

    [Fact]
    public void Candidates_stay_in_the_budget_s_share_of_the_range_smallest_first_and_depend_only_on_seed_pixels_and_budget()
    {
        var image = Ramp(1, 28);
        var candidates = SpatialCandidates.For(7, image, 0.5, 30, 3, 10, 5, 3);
        Assert.Equal(10 + 5 * 3 * 3 - 1, candidates.Count); // the grid's centre is the identity, which is skipped
        Assert.All(candidates, t => Assert.True(Math.Abs(t.Degrees) <= 15 && Math.Abs(t.Dx) <= 1.5 && Math.Abs(t.Dy) <= 1.5, t.ToString()));
        Assert.Equal(candidates.Select(t => t.Size(30, 3)).Order(), candidates.Select(t => t.Size(30, 3)));
        Assert.Contains(candidates, t => t.Degrees == 15 && t.Dx == -1.5 && t.Dy == 1.5);
        Assert.Equal(candidates, SpatialCandidates.For(7, image, 0.5, 30, 3, 10, 5, 3));
        Assert.NotEqual(candidates, SpatialCandidates.For(8, image, 0.5, 30, 3, 10, 5, 3));
        image[3] += 0.01f;
        Assert.NotEqual(candidates, SpatialCandidates.For(7, image, 0.5, 30, 3, 10, 5, 3));
    }

    private ScanReport Scan(string name, string attack, int sample = 40)
    {
        using var services = new ServiceCollection().AddAdvScanScanner().BuildServiceProvider();
        var scanner = services.GetRequiredService<Scanner>();
        var path = files.Write(name, $$"""
              "attacks": [ {{attack}} ]
            """, sampleSize: sample);
        return scanner.Run(ScanConfigReader.Load(path, scanner.Registry));
    }

    [Fact]
    public void A_wider_range_never_reports_a_higher_robust_accuracy_in_a_budget_list_or_against_single_budget_runs()
    {
        var list = Scan("list.json", """{ "id": "spatial", "attack": "spatial", "eps": [0.25, 0.5, 1], "grid": [3, 3] }""").Attacks.Single(a => a.Config.Id == "spatial").Result;
        var robust = list.Curve.Select(p => p.RobustAccuracy.Successes).ToList();
        Assert.Equal(robust.OrderDescending(), robust);
        Assert.True(robust[^1] < list.Curve[0].CleanAccuracy.Successes, "the spatial attack broke no digit of mnist-cnn");

        // A run at one budget tries exactly the transformations the list tries at that budget: every digit it breaks is
        // broken at that budget and at every wider one of the list.
        foreach (var (eps, index) in new[] { (0.5, 1), (1.0, 2) })
        {
            var single = Scan($"single-{eps}.json", $$"""{ "id": "spatial", "attack": "spatial", "eps": {{eps}}, "grid": [3, 3] }""").Attacks.Single(a => a.Config.Id == "spatial").Result;
            var alone = single.RobustByBudget![0];
            for (int b = index; b < list.Curve.Count; b++)
                for (int i = 0; i < alone.Length; i++)
                    Assert.True(alone[i] || !list.RobustByBudget![b][i], $"digit {i} broken at eps {eps} alone stands at eps {list.Curve[b].Epsilon} of the list");
            Assert.True(robust[index] <= single.Curve[0].RobustAccuracy.Successes);
        }
    }

    [Fact]
    public void The_spatial_attack_has_its_own_threat_model_and_is_gated_like_any_attack()
    {
        var report = Scan("gated.json", """{ "id": "turn", "attack": "spatial", "eps": [0.5, 1], "queries": 5, "rotation": 20, "translation": 2 }, { "attack": "fgsm", "eps": 0.1 }""", sample: 20);
        var turn = report.Attacks.Single(a => a.Config.Id == "turn");
        Assert.Equal(Norm.Spatial, turn.Result.Norm);
        Assert.Contains("rotation +-20 deg, translation +-2 px", turn.Description);
        // Not mixed into an L-inf worst case: with two threat models the ids carry theirs, and spatial alone has no "all".
        Assert.DoesNotContain(report.Attacks, a => a.Config.Id == "all");
        Assert.All(turn.Result.Curve, p => Assert.InRange(p.MeanPerturbation, 0, 1));
        var scanner = new ServiceCollection().AddAdvScanScanner().BuildServiceProvider().GetRequiredService<Scanner>();
        var bad = files.Write("bad-norm.json", """
              "attacks": [ { "attack": "spatial", "eps": 1.5 } ]
            """);
        var e = Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(bad, scanner.Registry));
        Assert.Contains("eps 1.5 is outside", e.Message);
        var grid = files.Write("bad-grid.json", """
              "attacks": [ { "attack": "spatial", "eps": 1, "grid": [31] } ]
            """);
        Assert.Contains("grid must be [rotations, translations per axis]", Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(grid, scanner.Registry)).Message);
    }

    [Fact]
    public void Advscan_attack_spatial_reports_robust_accuracy_with_its_interval_and_queries_and_shards_merge_exactly()
    {
        var json = files.PathOf("spatial.json");
        var (exit, output, errors) = Run("attack", "--model", Path.Combine(ConfigFiles.Fixtures, "mnist-cnn.onnx"), "--data", Path.Combine(ConfigFiles.Fixtures, "mnist-test-images-idx3-ubyte"),
            "--labels", Path.Combine(ConfigFiles.Fixtures, "mnist-test-labels-idx1-ubyte"), "--attack", "spatial", "--limit", "30", "--grid", "3,3", "--json", json);
        Assert.True(exit == CliApp.Success, output + errors);
        Assert.Contains("attack:     spatial (label-only, queries ONNX Runtime), spatial, rotation +-30 deg, translation +-3 px at eps 1", output);
        Assert.Contains("eps 1:", output);
        Assert.Contains("median queries", output);
        Assert.DoesNotContain("runtime disagreements", output);
        var budget = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("curve")[0];
        Assert.True(budget.GetProperty("robustAccuracy").GetProperty("lower").GetDouble() <= budget.GetProperty("robustAccuracy").GetProperty("value").GetDouble());

        var (badExit, _, badErrors) = Run("attack", "--model", Path.Combine(ConfigFiles.Fixtures, "mnist-cnn.onnx"), "--data", Path.Combine(ConfigFiles.Fixtures, "mnist-test-images-idx3-ubyte"),
            "--labels", Path.Combine(ConfigFiles.Fixtures, "mnist-test-labels-idx1-ubyte"), "--attack", "pgd", "--rotation", "10");
        Assert.Equal(CliApp.BadInput, badExit);
        Assert.Contains("--rotation only applies to attacks that read \"rotation\" (spatial), not pgd", badErrors);

        var config = files.Write("shards.json", """
              "attacks": [ { "id": "turn", "attack": "spatial", "eps": [0.5, 1] } ],
              "gates": [ { "metric": "robustAccuracy", "attack": "turn", "eps": 1, "min": 0.2 } ]
            """);
        string Scan(string tag, params string[] extra)
        {
            var path = files.PathOf(tag + ".report.json");
            var (code, o, e) = Run(["scan", config, "--json", path, .. extra]);
            Assert.True(code == CliApp.Success, o + e);
            return path;
        }
        var whole = Scan("whole");
        var merged = files.PathOf("merged.report.json");
        var merge = Run("merge", Scan("shard0", "--shard", "0/2"), Scan("shard1", "--shard", "1/2"), "--json", merged);
        Assert.True(merge.Exit == CliApp.Success, merge.Out + merge.Err);
        Assert.Equal(Curve(whole), Curve(merged));
    }

    /// <summary>The attack's curve and gate as written: every count, and the perturbation sums merging adds (to 6 places: shards add them in another order).</summary>
    private static string Curve(string report)
    {
        var root = JsonDocument.Parse(File.ReadAllText(report)).RootElement;
        var attack = root.GetProperty("attacks").EnumerateArray().Single(a => a.GetProperty("id").GetString() == "turn");
        return string.Join(";", attack.GetProperty("curve").EnumerateArray().Select(p => string.Join(",",
            p.GetProperty("robustAccuracy").GetProperty("successes").GetInt32(), p.GetProperty("robustAccuracy").GetProperty("trials").GetInt32(),
            p.GetProperty("attacked").GetInt32(), p.GetProperty("perturbationSum").GetDouble().ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture))))
            + "|" + root.GetProperty("gates")[0].GetProperty("status").GetString();
    }

    private static (int Exit, string Out, string Err) Run(params string[] args) => CliRun.Of(args);

    public void Dispose() => files.Dispose();
}
