using System.Globalization;
using AdvScan.Checks.Poisoning;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Cli;

/// <summary>
/// `advscan poison`: screens a training set for poisoned samples with the "poisoning" check, through the scanner
/// (a code-first config holding that one check), so the verb and an advscan.json entry never disagree. Exit 0 when no
/// class is flagged, 1 when one is, 2 on bad input.
/// </summary>
internal static class PoisonCommand
{
    public const string Usage = """
          poison --model <model.onnx> --data <training data> [--labels <labels>] [--method clustering|spectral|both]
                 [--truth <x.backdoor.json>] [--layer NODE] [--expected-poison-rate E] [--flag-share F] [--dimensions K]
                 [--separation D] [--seed S] [--batch B] [--device cpu|cuda] [--top N] [--exclude-out ids.txt]
                 [--json F] [--sarif F] [--html F] [--markdown F] [--plain-progress]
              Look for poisoned training samples in the model's late-layer activations (default: the input of the last
              fully connected layer): per class, activation clustering (PCA to K=10 components, seeded 2-means) and
              spectral signatures (top singular vector; marks the top F x E = 1.5 x 0.1 of a flagged class). A class is
              flagged only when its split is clearly separated (Ashman's D >= 6), so clean data stays quiet. Prints the
              per-class verdicts and the N (default 20) most suspicious samples with file/row; --exclude-out writes the
              suspected dataset indices, one per line, to leave out of retraining; --truth adds precision and recall.
              Exit 0 no class flagged, 1 a class flagged, 2 bad input.
        """;

    public static int Run(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var model = args.String("--model") ?? throw new InvalidInputException(null, "missing --model (advscan poison --model m.onnx --data TRAIN)");
        var data = args.String("--data") ?? throw new InvalidInputException(null, "missing --data (the training set to screen)");
        var labels = args.String("--labels");
        var methodText = args.String("--method") ?? "both";
        var method = methodText switch
        {
            "clustering" => PoisonMethod.Clustering,
            "spectral" => PoisonMethod.Spectral,
            "both" => PoisonMethod.Both,
            _ => throw new InvalidInputException(null, $"option --method expects clustering, spectral or both, got '{methodText}'"),
        };
        var defaults = new PoisoningSettings(Path.GetFullPath(data));
        var settings = defaults with
        {
            Labels = labels is null ? null : Path.GetFullPath(labels),
            Method = method,
            Truth = args.String("--truth") is { } truth ? Existing(truth, "--truth") : null,
            Layer = args.String("--layer"),
            ExpectedPoisonRate = Fraction(args, "--expected-poison-rate", defaults.ExpectedPoisonRate),
            FlagShare = Positive(args, "--flag-share", defaults.FlagShare),
            Dimensions = args.Int("--dimensions", defaults.Dimensions, min: 1),
            Separation = Positive(args, "--separation", defaults.Separation),
            Seed = args.Int("--seed", 0, min: 0),
        };
        int batch = args.Int("--batch", 256, 1, nameof(ResourceLimits.MaxBatchSize));
        int top = args.Int("--top", 20, min: 0);
        var device = (args.String("--device") ?? "cpu").Trim().ToLowerInvariant();
        var exclude = args.String("--exclude-out");
        var outputs = ReportOutputs.Read(args);
        bool plain = args.Flag("--plain-progress");
        args.RejectUnknown();
        foreach (var path in outputs.Select(o => o.Path).Append(exclude)) OutputFiles.Prepare(path);

        using var services = ScanCommand.Services(null);
        var scanner = services.GetRequiredService<Scanner>();
        // The training set is also the scan's data: its clean accuracy on a small seeded sample is reported alongside.
        var config = ScanConfig.Create(model, data, labels) with
        {
            SampleSize = 200,
            Seed = settings.Seed,
            Device = device,
            BatchSize = batch,
            Checks = [new CheckConfig("poisoning", PoisoningCheck.CheckName, settings)],
        };
        var report = ScanProgressDisplay.Run(stderr, plain, progress => scanner.Run(config, new ScanOptions(device), progress, cancellationToken));
        var check = report.Checks.Single();
        Print(stdout, report, check, top);
        ReportOutputs.Write(services, report, outputs);
        if (exclude is not null)
            OutputFiles.Write(exclude, string.Concat(check.Findings.SelectMany(f => f.Samples ?? []).Select(s => s.Index).Distinct().Order().Select(i => i.ToString(CultureInfo.InvariantCulture) + "\n")));
        return check.Findings.Count == 0 ? CliApp.Success : CliApp.CheckFailed;
    }

    private static void Print(TextWriter output, ScanReport report, CheckReport check, int top)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"model:      {report.ModelFile} (sha256 {report.ModelSha256[..12]})");
        output.WriteLine($"data:       {report.Data}");
        output.WriteLine($"screen:     {check.Description}");
        foreach (var m in check.Metrics)
            output.WriteLine(m.Proportion is { } p
                ? string.Create(c, $"{m.Metric}: {p.Value:P2} ({p.Successes}/{p.Trials})")
                : string.Create(c, $"{m.Metric}: {m.Value}"));
        foreach (var table in check.Tables)
        {
            output.WriteLine(table.Title + ":");
            output.WriteLine("  " + string.Join(" | ", table.Columns));
            foreach (var row in table.Rows)
                output.WriteLine("  " + string.Join(" | ", row.Select(cell => UntrustedText.Escape(cell))));
        }
        foreach (var finding in check.Findings)
        {
            output.WriteLine($"{finding.Rule.Id}: {finding.Message}");
            foreach (var s in (finding.Samples ?? []).Take(top))
                output.WriteLine(string.Create(c, $"  #{s.Index,-6} score {s.Score:0.000}  {UntrustedText.Escape(s.Location)}"));
        }
        output.WriteLine(check.Findings.Count == 0 ? "result:     no class flagged" : $"result:     {check.Findings.Count} class(es) flagged");
    }

    private static string Existing(string path, string option)
    {
        if (TrustBoundary.KindOf(TrustBoundary.RealPath(path)) == FileKind.Missing)
            throw new InvalidInputException(path, $"the {option} file does not exist");
        TrustBoundary.RequireRegularFile(path, $"the {option} file");
        return Path.GetFullPath(path);
    }

    private static double Fraction(ArgumentReader args, string name, double fallback)
    {
        var v = args.Double(name, fallback);
        return v is > 0 and < 1 ? v : throw new InvalidInputException(null, string.Create(CultureInfo.InvariantCulture, $"option {name} expects a share strictly between 0 and 1, got {v}"));
    }

    private static double Positive(ArgumentReader args, string name, double fallback)
    {
        var v = args.Double(name, fallback);
        return v > 0 && double.IsFinite(v) ? v : throw new InvalidInputException(null, string.Create(CultureInfo.InvariantCulture, $"option {name} expects a positive number, got {v}"));
    }
}
