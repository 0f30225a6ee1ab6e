using System.Globalization;
using AdvScan.Checks.Patch;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Cli;

/// <summary>
/// `advscan patch`: the universal patch check as a command. A thin shell: options become <see cref="PatchSettings"/>,
/// a code-first config with that one check runs through <see cref="Scanner.Run"/>, and the shared report writers
/// write --json/--sarif/--html/--markdown, so the verb and a config entry never measure differently.
/// </summary>
internal static class PatchCommand
{
    public const string Usage = """
          patch --model <model.onnx> --data <data> [--labels <labels>] [--target T] [--area 0.05,0.1]
                [--shape square|circle] [--region x0,y0,x1,y1] [--steps N] [--lr A] [--images-per-step K]
                [--draws D] [--restarts R] [--limit N] [--seed S] [--batch B] [--device cpu|cuda] [--save-patch patch.png]
                [--save-examples DIR] [--json F] [--sarif F] [--html F] [--markdown F] [--data-root DIR]
              Universal adversarial patch under expectation over transformation: one printable patch per area
              (a fraction of the image, default 0.1), optimised with Adam (default 200 steps) on half the sample,
              judged by ONNX Runtime on the held-out half under fresh random placements, rotations, perspective,
              lighting, blur and noise, beside a random patch of the same size. --restarts R optimises R patches
              from random textures and judges the one best on the training half (default 1). --target forces a
              class (default: untargeted); --region confines the patch (relative coordinates). Exit 0, or 2 on bad
              input.
        """;

    public static int Run(ArgumentReader args, TextWriter output, TextWriter errors, CancellationToken cancellationToken = default)
    {
        var model = args.String("--model") ?? throw new InvalidInputException(null, "missing --model (advscan patch --model m.onnx --data D)");
        var data = args.String("--data") ?? throw new InvalidInputException(null, "missing --data (a folder, .csv, .npz, .npy with --labels, or IDX images)");
        var labels = args.String("--labels");
        var dataRoot = args.String("--data-root");
        // The check's own defaults, so the verb cannot drift from a config entry.
        var defaults = new PatchSettings();
        var settings = new PatchSettings
        {
            Areas = Areas(args.String("--area")),
            Target = args.OptionalInt("--target", min: 0),
            Shape = args.String("--shape") switch
            {
                null or "square" => PatchShape.Square,
                "circle" => PatchShape.Circle,
                var other => throw new InvalidInputException(null, $"option --shape expects square or circle, got '{other}'"),
            },
            Region = Region(args.String("--region")),
            Steps = args.Int("--steps", defaults.Steps, 1, nameof(ResourceLimits.MaxSteps)),
            LearningRate = Positive(args, "--lr", defaults.LearningRate),
            ImagesPerStep = args.Int("--images-per-step", defaults.ImagesPerStep, 1, nameof(ResourceLimits.MaxBatchSize)),
            DrawsPerImage = args.Int("--draws", defaults.DrawsPerImage, 1, nameof(ResourceLimits.MaxBatchSize)),
            Restarts = args.Int("--restarts", defaults.Restarts, 1, nameof(ResourceLimits.MaxRestarts)),
            SavePatch = args.String("--save-patch") is { } patch ? Path.GetFullPath(patch) : null,
            SaveExamples = args.String("--save-examples") is { } folder ? Path.GetFullPath(folder) : null,
        };
        var limit = args.OptionalInt("--limit", 2, nameof(ResourceLimits.MaxExamples));
        var seed = args.Int("--seed", 0);
        var batch = args.Int("--batch", 64, 1, nameof(ResourceLimits.MaxBatchSize));
        var device = (args.String("--device") ?? "cpu").Trim().ToLowerInvariant();
        if (!DeviceName.IsValid(device)) throw new InvalidInputException(null, $"option --device expects cpu or cuda, got '{device}'");
        var outputs = ReportOutputs.Read(args);
        args.RejectUnknown();
        foreach (var (_, path) in outputs) OutputFiles.Prepare(path);
        if (settings.SavePatch is not null) OutputFiles.Prepare(settings.SavePatch);

        var config = ScanConfig.Create(model, data, labels, dataRoot) with
        {
            SampleSize = limit ?? 0, Seed = seed, Device = device, BatchSize = batch,
            Checks = [new CheckConfig("patch", "patch", settings)],
        };
        using var services = ScanCommand.Services(null);
        var report = ScanProgressDisplay.Run(errors, true, progress => services.GetRequiredService<Scanner>().Run(config, null, progress, cancellationToken));
        foreach (var line in ScanSummary.Lines(report).Where(l => l != ScanSummary.AllPass)) output.WriteLine(line);
        foreach (var line in Lines(report.Checks[0])) output.WriteLine(line);
        ReportOutputs.Write(services, report, outputs);
        return CliApp.Success;
    }

    /// <summary>"patch    area 0.1: success 85.6 % (77/90, 95% CI ...), random-patch control 1.1 % (1/90)" per area.</summary>
    internal static IEnumerable<string> Lines(CheckReport check)
    {
        var c = CultureInfo.InvariantCulture;
        yield return "patch:    " + check.Description;
        foreach (var success in check.Metrics.Where(m => m.Metric == PatchCheck.Success.Name))
        {
            var control = check.Metrics.Single(m => m.Metric == PatchCheck.ControlSuccess.Name && m.Budget == success.Budget).Proportion!.Value;
            var p = success.Proportion!.Value;
            yield return string.Create(c, $"patch     area {success.Budget:0.####}: success {p.Value:P1} ({p.Successes}/{p.Trials}, 95% CI {p.Lower:P1}-{p.Upper:P1}), random-patch control {control.Value:P1} ({control.Successes}/{control.Trials}, 95% CI {control.Lower:P1}-{control.Upper:P1})");
        }
    }

    private static IReadOnlyList<double> Areas(string? text)
    {
        if (text is null) return [0.1];
        var areas = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var area) || !(area > 0 && area < 1))
                throw new InvalidInputException(null, $"option --area expects patch areas in (0,1) (fractions of the image), got '{part}'");
            areas.Add(area);
        }
        return areas.Distinct().Order().ToList();
    }

    private static PatchRegion Region(string? text)
    {
        if (text is null) return PatchRegion.Whole;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
        if (values.Length != 4 || values.Any(double.IsNaN))
            throw new InvalidInputException(null, $"option --region expects x0,y0,x1,y1 (relative coordinates), got '{text}'");
        var region = new PatchRegion(values[0], values[1], values[2], values[3]);
        return region.Problem() is { } problem ? throw new InvalidInputException(null, $"option --region: {problem}") : region;
    }

    private static double Positive(ArgumentReader args, string name, double fallback)
    {
        var value = args.Double(name, fallback);
        return value > 0 ? value : throw new InvalidInputException(null, $"option {name} must be positive, got {value.ToString(CultureInfo.InvariantCulture)}");
    }
}
