using AdvScan.Reporting;
using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Cli;

/// <summary>
/// <c>advscan merge shard1.json shard2.json ... [--config advscan.json] [--json F] [--sarif F] [--html F] [--markdown F]</c>:
/// combines the JSON reports of <c>advscan scan --shard i/n</c> runs by adding counts, re-judges the gates and reports
/// like a scan would.
/// </summary>
/// <remarks>
/// A shard report is an input like any other, possibly forged: merge never opens the <c>configFile</c> a shard names
/// (it could name any file on the machine). The config's nearThreshold is read only from a config the user names
/// with <c>--config</c>; without it the default (0.02) applies, which only decides between "pass" and "near" (a
/// warning), never a failure. Shards are read as regular files within the config size limit.
/// </remarks>
internal static class MergeCommand
{
    public static int Run(ArgumentReader args, CliSession session)
    {
        var stdout = session.Out;
        var outputs = ReportOutputs.Read(args);
        var sourceRoot = args.String("--source-root");
        var configPath = args.String("--config");
        args.RejectUnknown();
        if (args.Positionals.Count == 0) throw new InvalidInputException(null, "missing shard reports (advscan merge shard0.json shard1.json ...)");

        var shards = args.Positionals.Select(path =>
        {
            if (path.Contains('\0') || TrustBoundary.KindOf(TrustBoundary.RealPath(path)) == FileKind.Missing)
                throw new InvalidInputException(path, "no such shard report");
            // Bounded like a config: a huge shard is refused before it is parsed; only a regular file is opened.
            return ScanReportJson.Read(LineAwareJson.ReadText(path, "shard report"), path);
        }).ToList();
        using var services = ScanCommand.Services(sourceRoot ?? ScanCommand.RepositoryRoot(configPath ?? SafePath(shards[0].ConfigFile) ?? SafePath(shards[0].ModelFile) ?? args.Positionals[0]));
        var registry = services.GetRequiredService<Scanner>().Registry;
        var nearThreshold = configPath is not null ? ScanConfigReader.Load(configPath, registry).NearThreshold : 0.02;
        var report = ShardMerger.Merge(shards, nearThreshold, registry);
        foreach (var line in ScanSummary.Lines(report)) stdout.WriteLine(line);
        ReportOutputs.Write(services, report, outputs);
        foreach (var diagnostic in Diagnostics.Gates(report)) session.Log.Emit(stdout, diagnostic);
        return report.Passed ? CliApp.Success : CliApp.CheckFailed;
    }

    /// <summary>
    /// A shard's config path, used only to find the repository root SARIF locations are relative to (by looking for a
    /// .git beside its folders, never by opening it); null when it is not a usable absolute path.
    /// </summary>
    private static string? SafePath(string? path) =>
        path is null || path.Contains('\0') || !Path.IsPathRooted(path) || path.Length > 4096 ? null : path;
}
