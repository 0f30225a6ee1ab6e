using System.Globalization;
using AdvScan.Checks;
using AdvScan.Reporting;
using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Cli;

/// <summary>
/// <c>advscan scan</c>: runs the scan an advscan.json describes and judges its gates (contract in
/// src/AdvScan.Scanning/ScanCommandContract.md). Gate verdicts go to stdout as canonical MSBuild diagnostics located on
/// the config line that set the threshold; bad input goes to stderr as a located ADV2xxx error with exit code 2.
/// </summary>
internal static class ScanCommand
{
    public static int Run(ArgumentReader args, CliSession session, CancellationToken cancellationToken = default)
    {
        var configPath = args.Positional(0, "config file (advscan scan advscan.json)");
        var outputs = ReportOutputs.Read(args);
        var (shardIndex, shardCount) = Shard(args.String("--shard"));
        var device = args.String("--device");
        var sourceRoot = args.String("--source-root");
        var plain = args.Flag("--plain-progress");
        var outputDir = args.String("--output-dir");
        var gallery = args.Int("--gallery", 8, min: 0);
        var sequential = args.Flag("--sequential");
        var cache = args.String("--cache");
        // The cache is off unless asked for: a scan writes only where the user said. --no-cache wins over --cache, so a
        // wrapper that always passes --cache can still force a fresh run.
        if (args.Flag("--no-cache")) cache = null;
        args.RejectUnknown();

        using var services = Services(sourceRoot ?? RepositoryRoot(configPath));
        return Execute(session, configPath, services, scanner =>
            {
                var config = ScanConfigReader.Load(configPath, scanner.Registry, session.Options.Limits, outputDir);
                return sequential ? config with { Sequential = true } : config;
            },
            new ScanOptions(device, shardIndex, shardCount, gallery, cache), outputs, plain, outputDir, cancellationToken);
    }

    /// <summary>
    /// What every verb that runs a scan shares: load the config, run it with progress, print the summary, write the
    /// reports, then the gate diagnostics and the exit code; bad input is one located line and exit 2.
    /// </summary>
    /// <param name="relocate">Maps a problem located in the config to where the user wrote it (a generated verb's option); null: as it is.</param>
    internal static int Execute(CliSession session, string configPath, ServiceProvider services, Func<Scanner, ScanConfig> load, ScanOptions options,
        IReadOnlyList<(string Format, string Path)> outputs, bool plain, string? outputDir, CancellationToken cancellationToken,
        Func<InvalidInputException, InvalidInputException>? relocate = null)
    {
        ScanReport report;
        try
        {
            var scanner = services.GetRequiredService<Scanner>();
            if (outputDir is not null) OutputFiles.CreateDirectory(outputDir);
            var config = load(scanner);
            foreach (var (_, path) in outputs) OutputFiles.Prepare(path);
            report = ScanProgressDisplay.Run(session.Err, plain, progress => scanner.Run(config, options, progress, cancellationToken));
            foreach (var line in ScanSummary.Lines(report)) session.Out.WriteLine(line);
            ReportOutputs.Write(services, report, outputs, cancellationToken);
        }
        catch (InvalidInputException e)
        {
            session.Log.Emit(session.Err, Diagnostics.BadInput(relocate?.Invoke(e) ?? e, configPath));
            return CliApp.BadInput;
        }
        foreach (var diagnostic in Diagnostics.Gates(report)) session.Log.Emit(session.Out, diagnostic);
        return report.Passed ? CliApp.Success : CliApp.CheckFailed;
    }

    /// <summary>The CLI's composition: the scanner with its attacks, every built-in check, every reporter.</summary>
    internal static ServiceProvider Services(string? sourceRoot = null)
    {
        var services = new ServiceCollection();
        services.AddAdvScanScanner();
        services.AddAdvScanChecks();
        services.AddAdvScanReporters();
        services.AddSingleton(new SarifReporterOptions { SourceRoot = sourceRoot });
        return services.BuildServiceProvider();
    }

    /// <summary>The enclosing git checkout of the config (where code scanning resolves %SRCROOT%), else the config's folder.</summary>
    internal static string RepositoryRoot(string configFile)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(configFile))!;
        for (var dir = new DirectoryInfo(folder); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git"))) return dir.FullName;
        return folder;
    }

    private static (int Index, int Count) Shard(string? text)
    {
        if (text is null) return (0, 1);
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && i < n)
            return (i, n);
        throw new InvalidInputException(null, $"--shard expects i/n with 0 <= i < n (e.g. 0/4), got '{text}'");
    }
}

/// <summary>The --json/--sarif/--html/--markdown options: a format name and the file it goes to.</summary>
internal static class ReportOutputs
{
    /// <summary>One --FORMAT option per registered reporter (json, sarif, html, markdown, and any a plug-in adds).</summary>
    public static IReadOnlyList<(string Format, string Path)> Read(ArgumentReader args)
    {
        using var services = ScanCommand.Services();
        var outputs = new List<(string, string)>();
        foreach (var format in services.GetServices<IReporter>().Select(r => r.Format))
            if (args.String("--" + format) is { } path) outputs.Add((format, path));
        return outputs;
    }

    /// <summary>Writes every report the command line asked for (<see cref="ReportFiles.Write"/>: atomic, never through a link).</summary>
    public static void Write(IServiceProvider services, ScanReport report, IReadOnlyList<(string Format, string Path)> outputs, CancellationToken cancellationToken = default)
    {
        foreach (var (format, path) in outputs) ReportFiles.Write(services, report, format, path, cancellationToken);
    }
}

/// <summary>The canonical <c>file(line,col): error CODE: message</c> lines MSBuild and CI log parsers pick up.</summary>
internal static class Diagnostics
{
    /// <summary>A failed gate is an error, a near-threshold one a warning, on the config line that set the threshold.</summary>
    public static IEnumerable<Diagnostic> Gates(ScanReport report) =>
        report.Gates.Where(g => g.Status != GateStatus.Pass).Select(g =>
            new Diagnostic(g.Status == GateStatus.Fail ? "error" : "warning", g.Rule.Id, report.ConfigFile, g.Gate.Line, g.Message));

    /// <summary>
    /// ADV2001 for the config, ADV2002 for a model, ADV2003 for data or anything else the config points at. A problem
    /// in a referenced file may be located on the config line that names it; the code still says which file is bad.
    /// </summary>
    public static Diagnostic BadInput(InvalidInputException e, string configPath)
    {
        var file = e.File ?? configPath;
        var subject = e.InnerException is InvalidInputException { File: { } inner } ? inner : file;
        string code = SamePath(subject, configPath) ? DiagnosticIds.BadConfig
            : subject.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? DiagnosticIds.BadModel : DiagnosticIds.BadData;
        return new Diagnostic("error", code, file, e.Line, e.Problem);
    }

    private static bool SamePath(string a, string b)
    {
        try { return Path.GetFullPath(a) == Path.GetFullPath(b); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return a == b; }
    }
}

/// <summary>What a person reads at the end of a scan: clean accuracy, every curve point, every gate; names from the inputs escaped.</summary>
internal static class ScanSummary
{
    public const string AllPass = "result:   all gates pass";

    public static IEnumerable<string> Lines(ScanReport report)
    {
        var c = CultureInfo.InvariantCulture;
        // Paths are printed whole (LineWriter still escapes what they hold); names are escaped and cut here.
        yield return $"model:    {report.ModelFile} (sha256 {report.ModelSha256[..12]})";
        yield return $"data:     {report.Data}";
        yield return report.Sequential is { } sequential
            ? string.Create(c, $"sample:   {report.Examples} of {sequential.SampleSize} examples (sequential, {sequential.Confidence:0.###} confidence), seed {report.Seed}, device {report.Device}")
            : string.Create(c, $"sample:   {report.Examples} examples, seed {report.Seed}, device {report.Device}");
        if (report.Statistics.CacheHits + report.Statistics.CacheRejected > 0)
            yield return string.Create(c, $"cache:    {report.Statistics.CacheHits} batch(es) from the cache, {report.Statistics.BatchesAttacked} attacked, {report.Statistics.CacheRejected} corrupt entr(ies) rewritten");
        yield return $"clean:    {Format(report.CleanAccuracy)}";
        foreach (var attack in report.Attacks)
            foreach (var p in attack.Result.Curve)
            {
                var text = new System.Text.StringBuilder();
                text.Append(c, $"{UntrustedText.Escape(attack.Config.Id),-9} eps {p.Epsilon:0.####}: robust {Format(p.RobustAccuracy)}, success {p.AttackSuccess.Value:P1}");
                if (p.Transfer is { } t) text.Append(c, $", transfer {t.Value:P1}");
                if (p.RuntimeDisagreements > 0) text.Append(c, $", {p.RuntimeDisagreements} runtime disagreement(s)");
                yield return text.ToString();
            }
        foreach (var g in report.Gates)
            yield return $"gate {UntrustedText.Escape(g.Gate.Id)}: {g.Status.ToString().ToLowerInvariant()} ({g.Message})";
        yield return report.Passed ? AllPass : "result:   a gate failed";
    }

    private static string Format(Proportion p) =>
        string.Create(CultureInfo.InvariantCulture, $"{p.Value:P2} ({p.Successes}/{p.Trials}, 95% CI {p.Lower:P1}-{p.Upper:P1})");
}
