using AdvScan.Reporting;
using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Cli;

/// <summary>
/// <c>advscan merge shard1.json shard2.json ... [--json F] [--sarif F] [--html F] [--markdown F]</c>: combines the JSON
/// reports of <c>advscan scan --shard i/n</c> runs by adding counts, re-judges the gates and reports like a scan would.
/// </summary>
internal static class MergeCommand
{
    public static int Run(ArgumentReader args, CliSession session)
    {
        var stdout = session.Out;
        var outputs = ReportOutputs.Read(args);
        var sourceRoot = args.String("--source-root");
        args.RejectUnknown();
        if (args.Positionals.Count == 0) throw new InvalidInputException(null, "missing shard reports (advscan merge shard0.json shard1.json ...)");

        var shards = args.Positionals.Select(path =>
        {
            if (!File.Exists(path)) throw new InvalidInputException(path, "no such shard report");
            // Bounded like a config: a huge shard is refused before it is parsed.
            return ScanReportJson.Read(LineAwareJson.ReadText(path, "shard report"), path);
        }).ToList();
        using var services = ScanCommand.Services(sourceRoot ?? ScanCommand.RepositoryRoot(shards[0].ConfigFile ?? shards[0].ModelFile));
        // The near-threshold margin lives in the config; re-read it when the config is still there.
        var registry = services.GetRequiredService<Scanner>().Registry;
        var nearThreshold = shards[0].ConfigFile is { } config && File.Exists(config) ? ScanConfigReader.Load(config, registry).NearThreshold : 0.02;
        var report = ShardMerger.Merge(shards, nearThreshold, registry);
        foreach (var line in ScanSummary.Lines(report)) stdout.WriteLine(line);
        ReportOutputs.Write(services, report, outputs);
        foreach (var diagnostic in Diagnostics.Gates(report)) session.Log.Emit(stdout, diagnostic);
        return report.Passed ? CliApp.Success : CliApp.CheckFailed;
    }
}
