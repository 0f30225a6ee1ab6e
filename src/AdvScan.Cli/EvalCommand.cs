using System.Globalization;
using AdvScan.Reporting;
using AdvScan.Scanning;

namespace AdvScan.Cli;

internal static class EvalCommand
{
    public static int Run(ArgumentReader args, TextWriter output, CancellationToken cancellationToken = default)
    {
        var model = args.String("--model") ?? throw new InvalidInputException(null, "missing --model (advscan eval --model m.onnx --data D)");
        var data = args.String("--data") ?? throw new InvalidInputException(null, "missing --data (a folder, .csv, .npz, .npy with --labels, or IDX images)");
        var limitText = args.String("--limit");
        var options = new EvaluationOptions(
            Spec: SpecOptions.Read(args),
            Limit: limitText is null ? null : args.Int("--limit", 0, 1, nameof(ResourceLimits.MaxExamples)),
            Seed: args.Int("--seed", 0),
            BatchSize: args.Int("--batch", 64, 1, nameof(ResourceLimits.MaxBatchSize)),
            LabelsPath: args.String("--labels"),
            ClassNames: args.String("--classes")?.Split(',', StringSplitOptions.TrimEntries),
            SkipInvalid: args.Flag("--skip-invalid"),
            DataRoot: args.String("--data-root"));
        var jsonPath = args.String("--json");
        args.RejectUnknown();
        OutputFiles.Prepare(jsonPath);

        var report = Evaluation.Run(model, data, options, cancellationToken);
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"model:      {report.Model}");
        output.WriteLine($"data:       {report.Data} ({report.DatasetSize} examples)");
        output.WriteLine($"input:      {report.Spec}");
        if (report.Skipped.Count > 0)
        {
            output.WriteLine($"skipped:    {report.Skipped.Count} invalid input(s)");
            foreach (var s in report.Skipped) output.WriteLine($"            {s.Source}: {UntrustedText.Escape(s.Reason, 1000)}");
        }
        output.WriteLine(string.Create(c, $"accuracy:   {report.Accuracy:P2} ({report.Correct}/{report.Evaluated}), 95% CI [{report.WilsonLower:P2}, {report.WilsonUpper:P2}] (Wilson)"));
        foreach (var k in report.PerClass.Where(k => k.Count > 0))
            output.WriteLine(string.Create(c, $"  class {k.Label}{(k.Name is null ? "" : $" ({UntrustedText.Escape(k.Name)})")}: {k.Accuracy:P2} ({k.Correct}/{k.Count})"));
        output.WriteLine(string.Create(c, $"throughput: {report.ImagesPerSecond:F1} images/s"));
        if (jsonPath is not null) OutputFiles.Write(jsonPath, EvaluationJson.Write(report));
        return CliApp.Success;
    }
}
