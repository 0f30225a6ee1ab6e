using AdvScan.Reporting;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Scanning.Tests.Sequential;

/// <summary>
/// The verdict cache on the checked-in mnist-cnn: a second identical run attacks nothing and writes the same bytes; a
/// changed eps re-attacks only that attack; truncated, garbage and misplaced entries are refused and rewritten; the
/// folder stays under its bound. "Attacks nothing" is the scan's own count of attacked batches, not a timing.
/// </summary>
public sealed class VerdictCacheTests : IDisposable
{
    private readonly ConfigFiles files = new();
    private string CacheFolder => Path.Combine(files.Folder, "cache");

    /// <summary>The cache's entry files, in name order.</summary>
    private string[] Entries() => Directory.GetFiles(CacheFolder, "*.verdicts").Order(StringComparer.Ordinal).ToArray();

    private static Scanner NewScanner() => new ServiceCollection().AddAdvScanScanner().BuildServiceProvider().GetRequiredService<Scanner>();

    private ScanConfig Config(Scanner scanner, double pgdEps, string limits = "") => ScanConfigReader.Load(files.Write("cache.json", $$"""
          "batchSize": 32,
          {{limits}}
          "attacks": [
            { "id": "fgsm", "attack": "fgsm", "eps": 0.1 },
            { "id": "pgd", "attack": "pgd", "eps": {{pgdEps.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "steps": 3 }
          ],
          "gates": [ { "metric": "robustAccuracy", "attack": "all", "min": 0.5 } ]
        """, sampleSize: 64), scanner.Registry);

    private (ScanReport Report, byte[] Json) Run(Scanner scanner, ScanConfig config, bool cache = true)
    {
        var report = scanner.Run(config, new ScanOptions(Cache: cache ? CacheFolder : null));
        using var json = new MemoryStream();
        new JsonReporter().WriteAsync(report, json).GetAwaiter().GetResult();
        return (report, json.ToArray());
    }

    [Fact]
    public void A_second_identical_run_is_served_from_the_cache_with_the_same_bytes_and_a_changed_eps_reattacks_only_that_attack()
    {
        var scanner = NewScanner();
        var config = Config(scanner, 0.1);
        var fresh = Run(scanner, config, cache: false);
        var first = Run(scanner, config);
        Assert.Equal(new ScanStatistics(4, 0, 0), first.Report.Statistics);
        Assert.Equal(fresh.Json, first.Json);

        var second = Run(scanner, config);
        Assert.Equal(new ScanStatistics(0, 4, 0), second.Report.Statistics);
        Assert.Equal(first.Json, second.Json);
        Assert.Equal(first.Report.Gallery.Select(g => g.Adversarial), second.Report.Gallery.Select(g => g.Adversarial));

        var changed = Run(scanner, Config(scanner, 0.12));
        Assert.Equal(new ScanStatistics(2, 2, 0), changed.Report.Statistics);
        var changedFresh = Run(scanner, Config(scanner, 0.12), cache: false);
        Assert.Equal(changedFresh.Json, changed.Json);
    }

    [Fact]
    public void Truncated_garbage_and_misplaced_entries_are_ignored_and_rewritten()
    {
        var scanner = NewScanner();
        var config = Config(scanner, 0.1);
        var first = Run(scanner, config);
        var entries = Entries();
        Assert.Equal(4, entries.Length);
        var bytes = File.ReadAllBytes(entries[0]);
        File.WriteAllBytes(entries[0], bytes[..(bytes.Length / 2)]);
        File.WriteAllBytes(entries[1], Enumerable.Range(0, 5000).Select(i => (byte)(i * 31)).ToArray());
        // A valid entry, but for another batch: the key it carries is not its name.
        File.Copy(entries[3], entries[2], overwrite: true);
        var flipped = File.ReadAllBytes(entries[3]);
        flipped[^40] ^= 1;
        File.WriteAllBytes(entries[3], flipped);

        var repaired = Run(scanner, config);
        Assert.Equal(new ScanStatistics(4, 0, 4), repaired.Report.Statistics);
        Assert.Equal(first.Json, repaired.Json);
        var again = Run(scanner, config);
        Assert.Equal(new ScanStatistics(0, 4, 0), again.Report.Statistics);
        Assert.Equal(first.Json, again.Json);
    }

    [Fact]
    public void A_link_planted_under_an_entrys_name_is_neither_followed_nor_replaced()
    {
        if (OperatingSystem.IsWindows()) return;
        var scanner = NewScanner();
        var config = Config(scanner, 0.1);
        var first = Run(scanner, config);
        var entry = Entries().First();
        // The link points at the entry's own valid bytes, elsewhere: following it would be a hit.
        var elsewhere = Path.Combine(files.Folder, "elsewhere.bin");
        File.Move(entry, elsewhere);
        File.CreateSymbolicLink(entry, elsewhere);
        var before = File.ReadAllBytes(elsewhere);

        var run = Run(scanner, config);
        Assert.Equal(new ScanStatistics(1, 3, 1), run.Report.Statistics);
        Assert.Equal(first.Json, run.Json);
        Assert.NotNull(new FileInfo(entry).LinkTarget);
        Assert.Equal(before, File.ReadAllBytes(elsewhere));
    }

    [Fact]
    public void The_folder_stays_under_maxCacheBytes_by_evicting_the_least_recently_used_entries()
    {
        var scanner = NewScanner();
        Run(scanner, Config(scanner, 0.1));
        long one = Entries().Max(f => new FileInfo(f).Length);
        Directory.Delete(CacheFolder, recursive: true);
        long bound = 2 * one + one / 2;
        var config = Config(scanner, 0.1, $$"""
          "limits": { "maxCacheBytes": {{bound}} },
          """);
        var run = Run(scanner, config);
        Assert.Equal(4, run.Report.Statistics.BatchesAttacked);
        var left = Entries();
        Assert.InRange(left.Sum(f => new FileInfo(f).Length), 1, bound);
        Assert.InRange(left.Length, 1, 3);
        // What was evicted is attacked again, and the same bytes come out.
        var rerun = Run(scanner, config);
        Assert.Equal(4, rerun.Report.Statistics.BatchesAttacked + rerun.Report.Statistics.CacheHits);
        Assert.Equal(run.Json, rerun.Json);
        Assert.InRange(Entries().Sum(f => new FileInfo(f).Length), 1, bound);
    }

    public void Dispose() => files.Dispose();
}
