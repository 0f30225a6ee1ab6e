using AdvScan.Cli;
using AdvScan.Scanning.Tests;

namespace AdvScan.Cli.Tests;

/// <summary>
/// `advscan scan --sequential` and `--cache DIR` end to end: the gate line names the sequence, a rerun is served from
/// the cache with the same report bytes, --no-cache runs fresh, and sequential with --shard is one located line, exit 2.
/// </summary>
public sealed class SequentialScanCommandTests : IDisposable
{
    private const string FarGate = """
          "batchSize": 16,
          "attacks": [ { "id": "fgsm", "attack": "fgsm", "eps": 0.3 } ],
          "gates": [ { "metric": "robustAccuracy", "attack": "fgsm", "eps": 0.3, "min": 0.5 } ]
        """;

    private readonly ConfigFiles files = new();

    private static (int Exit, string Out, string Err) Advscan(params string[] args) => CliRun.Of([.. args, "--plain-progress"]);

    [Fact]
    public void Sequential_scan_fails_a_far_gate_on_part_of_the_sample_and_says_so_on_the_gate_line()
    {
        var config = files.Write("far.json", FarGate, sampleSize: 128);
        var json = files.PathOf("far.report.json");
        var (exit, output, errors) = Advscan("scan", config, "--sequential", "--json", json);
        Assert.True(exit == CliApp.CheckFailed, output + errors);
        Assert.Matches(@"sample:   \d+ of 128 examples \(sequential, 0\.95 confidence\)", output);
        Assert.Contains("settled by the 0.95 confidence sequence", output);
        Assert.Contains("\"stopReason\": \"settledFail\"", File.ReadAllText(json));
        // The order is the seed's: the same config and seed stop at the same example with the same bytes.
        var again = files.PathOf("far.again.json");
        Advscan("scan", config, "--sequential", "--json", again);
        Assert.Equal(File.ReadAllBytes(json), File.ReadAllBytes(again));
    }

    [Fact]
    public void A_rerun_with_the_same_cache_attacks_nothing_and_writes_the_same_bytes_and_no_cache_runs_fresh()
    {
        var config = files.Write("cached.json", FarGate, sampleSize: 32);
        var cache = files.PathOf("verdicts");
        var (first, firstOut, firstErr) = Advscan("scan", config, "--cache", cache, "--json", files.PathOf("1.json"), "--sarif", files.PathOf("1.sarif"));
        Assert.True(first == CliApp.CheckFailed, firstOut + firstErr);
        var (_, secondOut, _) = Advscan("scan", config, "--cache", cache, "--json", files.PathOf("2.json"), "--sarif", files.PathOf("2.sarif"));
        Assert.Contains("cache:    2 batch(es) from the cache, 0 attacked, 0 corrupt entr(ies) rewritten", secondOut);
        Assert.Equal(File.ReadAllBytes(files.PathOf("1.json")), File.ReadAllBytes(files.PathOf("2.json")));
        Assert.Equal(File.ReadAllBytes(files.PathOf("1.sarif")), File.ReadAllBytes(files.PathOf("2.sarif")));
        var (_, freshOut, _) = Advscan("scan", config, "--cache", cache, "--no-cache", "--json", files.PathOf("3.json"));
        Assert.DoesNotContain("cache:", freshOut);
        Assert.Equal(File.ReadAllBytes(files.PathOf("1.json")), File.ReadAllBytes(files.PathOf("3.json")));
    }

    [Fact]
    public void Sequential_with_a_shard_exits_2_with_one_located_line()
    {
        var config = files.Write("shard.json", FarGate, sampleSize: 32);
        var (exit, output, errors) = Advscan("scan", config, "--sequential", "--shard", "0/2");
        Assert.Equal(CliApp.BadInput, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("error ADV2001", line);
        Assert.Contains("sequential gates cannot run in shards", line);
        Assert.DoesNotContain(" at AdvScan.", output + errors);
    }

    public void Dispose() => files.Dispose();
}
