using System.Globalization;
using AdvScan.Checks.Backdoor;
using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Cli;

/// <summary>
/// `advscan backdoor`: the Neural Cleanse check (and, with --strip, STRIP on the trigger it recovers or on a known
/// one) as a one-check scan built in code, run by the scanner and written by the shared reporters. A flagged class
/// fails the built-in gate (backdoorFlaggedClasses max --max-flagged), so the exit code is 1.
/// </summary>
internal static class BackdoorCommand
{
    private static readonly NeuralCleanseSettings Defaults = NeuralCleanseSettings.Default;
    private static readonly StripOptions StripDefaults = new();
    private const int DefaultSample = 200;

    // Defaults in the text come from the checks' settings records, so help cannot drift from what runs.
    public static readonly string Usage = string.Create(CultureInfo.InvariantCulture, $$"""
          backdoor --model <model.onnx> --data <data> [--labels <labels>] [--sample {{DefaultSample}}] [--seed 0] [--images {{Defaults.Images}}]
                   [--epochs {{Defaults.Options.Epochs}}] [--batch-size {{Defaults.Options.BatchSize}}] [--patience {{Defaults.Options.Patience}}] [--anomaly-threshold {{Defaults.Threshold}}] [--min-compactness {{Defaults.MinCompactness}}] [--max-flagged 0]
                   [--strip [--truth x.backdoor.json] [--false-rejection {{StripDefaults.FalseRejectionRate}}] [--overlays {{StripDefaults.Overlays}}]]
                   [--device cpu|cuda] [--json F] [--sarif F] [--html F] [--markdown F] [--data-root DIR]
              Neural Cleanse: reverse-engineer the smallest trigger for every class (all classes in one batched
              optimisation on --images of a seeded --sample of the data; the rest judges the triggers with ONNX Runtime)
              and flag classes below the median mask norm with anomaly index > --anomaly-threshold (on the log norms) whose
              mask is patch-like (compactness >= --min-compactness; small diffuse masks are warnings). Exit 1 when more than
              --max-flagged classes are flagged. --strip adds STRIP's detection rate of inputs carrying the trigger.
        """);

    public static int Run(ArgumentReader args, TextWriter stdout, CancellationToken cancellationToken = default)
    {
        var model = args.String("--model") ?? throw new InvalidInputException(null, "missing --model <model.onnx>");
        var data = args.String("--data") ?? throw new InvalidInputException(null, "missing --data <data>");
        var labels = args.String("--labels");
        var dataRoot = args.String("--data-root");
        int sample = args.Int("--sample", DefaultSample, 2, nameof(ResourceLimits.MaxExamples));
        long seed = args.Int("--seed", 0);
        var defaults = Defaults;
        var nc = defaults with
        {
            Options = defaults.Options with
            {
                Epochs = args.Int("--epochs", defaults.Options.Epochs, 1, nameof(ResourceLimits.MaxEpochs)),
                BatchSize = args.Int("--batch-size", defaults.Options.BatchSize, 1, nameof(ResourceLimits.MaxBatchSize)),
                Patience = args.Int("--patience", defaults.Options.Patience, min: 1),
            },
            Images = args.Int("--images", defaults.Images, 1, nameof(ResourceLimits.MaxExamples)),
            Threshold = args.Double("--anomaly-threshold", defaults.Threshold),
            MinCompactness = args.Double("--min-compactness", defaults.MinCompactness),
        };
        int maxFlagged = args.Int("--max-flagged", 0, min: 0);
        bool strip = args.Flag("--strip");
        var truth = args.String("--truth");
        var stripOptions = new StripOptions(Overlays: args.Int("--overlays", StripDefaults.Overlays, 1, nameof(ResourceLimits.MaxQueries)), FalseRejectionRate: args.Double("--false-rejection", StripDefaults.FalseRejectionRate));
        var device = args.String("--device");
        var outputs = ReportOutputs.Read(args);
        args.RejectUnknown();
        if (truth is not null && !strip) throw new InvalidInputException(null, "--truth names STRIP's trigger; add --strip");
        if (!File.Exists(model)) throw new InvalidInputException(model, "no such file");

        var checks = new List<CheckConfig> { new("neural-cleanse", "neural-cleanse", nc) };
        if (strip) checks.Add(new CheckConfig("strip", "strip", new StripSettings(stripOptions, truth is null ? null : Path.GetFullPath(truth), NeuralCleanse: nc)));
        var config = ScanConfig.Create(model, data, labels, dataRoot) with
        {
            SampleSize = sample,
            Seed = seed,
            Checks = checks,
            Gates = [new GateConfig("backdoorFlaggedClasses", BackdoorRules.FlaggedClassesMetric.Name, "neural-cleanse", null, null, maxFlagged)],
        };
        foreach (var (_, path) in outputs) OutputFiles.Prepare(path);
        using var services = ScanCommand.Services(null);
        var report = services.GetRequiredService<Scanner>().Run(config, new ScanOptions(device), null, cancellationToken);
        Print(stdout, report);
        ReportOutputs.Write(services, report, outputs);
        return report.Passed ? CliApp.Success : CliApp.CheckFailed;
    }

    private static void Print(TextWriter stdout, ScanReport report)
    {
        var c = CultureInfo.InvariantCulture;
        stdout.WriteLine($"model:    {report.ModelFile} (sha256 {report.ModelSha256[..12]})");
        stdout.WriteLine($"data:     {report.Data}");
        foreach (var check in report.Checks)
        {
            stdout.WriteLine($"{UntrustedText.Escape(check.Id)}: {check.Description}");
            foreach (var table in check.Tables)
            {
                stdout.WriteLine("  " + string.Join(" | ", table.Columns));
                foreach (var row in table.Rows) stdout.WriteLine("  " + string.Join(" | ", row.Select(cell => UntrustedText.Escape(cell))));
            }
            foreach (var m in check.Metrics) stdout.WriteLine(string.Create(c, $"  {m.Metric}: {m.Value:0.####}{(m.Label is null ? "" : $" ({m.Label})")}"));
            foreach (var f in check.Findings) stdout.WriteLine($"  {f.Rule.Id}: {f.Message}");
        }
        foreach (var g in report.Gates) stdout.WriteLine($"gate {UntrustedText.Escape(g.Gate.Id)}: {g.Status.ToString().ToLowerInvariant()} ({g.Message})");
    }
}
