using System.Globalization;
using AdvScan.Scanning;

namespace AdvScan.Cli;

internal static class ModelCheckCommand
{
    public static int Run(ArgumentReader args, TextWriter output)
    {
        var path = args.Positional(0, "model path (advscan model check <model.onnx>)");
        var options = new ModelCheckOptions(
            Device: args.String("--device") ?? "cpu",
            BatchSize: args.Int("--batch", 2, 1, nameof(ResourceLimits.MaxBatchSize)),
            Seed: args.Int("--seed", 0),
            RelativeTolerance: args.Double("--tolerance", 1e-4));
        args.RejectUnknown();

        var report = ModelCheck.Run(path, options);
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"model:        {report.Model}");
        output.WriteLine($"sha256:       {report.Sha256}");
        foreach (var i in report.Inputs) output.WriteLine($"input:        {UntrustedText.Escape(i.Name)} {i.ElementType} {i.ShapeText}  (checked with [{string.Join(", ", report.BatchShape)}])");
        foreach (var o in report.Outputs) output.WriteLine($"output:       {UntrustedText.Escape(o.Name)} {o.ElementType} {o.ShapeText}  (got [{string.Join(", ", report.OutputShape)}])");
        output.WriteLine($"ops:          {string.Join(", ", report.OpHistogram.Select(kv => $"{UntrustedText.Escape(kv.Key, 40)} x{kv.Value}"))}");
        output.WriteLine(string.Create(c, $"max abs diff: {report.MaxAbsoluteDifference:G4}"));
        output.WriteLine(string.Create(c, $"max rel diff: {report.MaxRelativeDifference:G4}  (tolerance {report.Tolerance:G3})"));
        output.WriteLine($"finite:       {(report.OutputsFinite ? "yes" : "NO (NaN or infinity in the outputs)")}");
        output.WriteLine($"gradients:    {(report.GradientsFlow ? "flow to the input" : "DO NOT flow to the input")}");
        output.WriteLine($"parity:       {(report.ParityHolds ? "holds" : "FAILS")}");
        return report.Passed ? CliApp.Success : CliApp.CheckFailed;
    }
}
