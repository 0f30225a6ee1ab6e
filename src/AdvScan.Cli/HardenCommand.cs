using System.Globalization;
using AdvScan.Onnx;
using AdvScan.Training;

namespace AdvScan.Cli;

/// <summary>
/// `advscan harden`: PGD adversarial training (Madry et al.) of an existing ONNX classifier (fine-tuning) or of a fresh
/// zoo architecture, on IDX data; writes the hardened model as ONNX with the same graph and metadata.
/// </summary>
internal static class HardenCommand
{
    public static int Run(ArgumentReader args, TextWriter output, CancellationToken cancellationToken = default)
    {
        if (args.Flag("--unlearn")) return UnlearnCommand.Run(args, output);
        var modelPath = args.String("--model");
        var archName = args.String("--arch");
        if ((modelPath is null) == (archName is null))
            throw new InvalidInputException(null, "give exactly one of --model <in.onnx> (fine-tune) or --arch <name> (train from scratch)");
        var data = args.String("--data") ?? throw new InvalidInputException(null, "missing --data <IDX images file, or a folder holding one>");
        var outPath = args.String("--out") ?? throw new InvalidInputException(null, "missing --out <model.onnx>");
        var stepSize = args.Double("--step-size", double.NaN);
        var options = new HardeningOptions(
            Epsilon: args.Double("--eps", 0.3),
            Steps: args.Int("--steps", 10, 1, nameof(ResourceLimits.MaxSteps)),
            StepSize: double.IsNaN(stepSize) ? null : stepSize,
            RampEpochs: args.Int("--ramp-epochs", 0, min: 0),
            CleanWeight: args.Double("--clean-weight", 0),
            Epochs: args.Int("--epochs", 10, 1, nameof(ResourceLimits.MaxEpochs)),
            BatchSize: args.Int("--batch", 64, 1, nameof(ResourceLimits.MaxBatchSize)),
            LearningRate: args.Double("--lr", 1e-3),
            Seed: args.Int("--seed", 0),
            MaxShift: args.Int("--shift", 0, min: 0));
        args.RejectUnknown();
        options.Validate();
        OutputFiles.Prepare(outPath);

        OnnxModel initial;
        IReadOnlyList<string> classNames;
        if (modelPath is not null)
        {
            if (!File.Exists(modelPath)) throw new InvalidInputException(modelPath, "no such file");
            initial = OnnxModel.Load(modelPath);
            classNames = ClassNames(initial);
        }
        else
        {
            var architecture = Architectures.Get(archName!);
            initial = architecture.Build(options.Seed);
            classNames = architecture.ClassNames;
        }
        var set = TrainCommand.ReadData(data, classNames);

        var stepText = string.Create(CultureInfo.InvariantCulture, $"{options.StepSizeAt(options.Epsilon):0.####}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hardening:    {(modelPath ?? archName)} on {set.Count} images, {options.Epochs} epoch(s), seed {options.Seed}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"attack:       PGD L-inf eps {options.Epsilon}, {options.Steps} steps of {stepText}, random start{(options.RampEpochs > 0 ? $", eps ramped over {options.RampEpochs} epoch(s)" : "")}{(options.CleanWeight > 0 ? $", clean-loss weight {options.CleanWeight}" : "")}"));
        var result = AdversarialTrainer.Train(initial, set, options, new EpochPrinter(output), cancellationToken);
        OutputFiles.Write(outPath, result.Model.ToBytes());
        output.WriteLine($"model:        {outPath}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"time:         {result.Elapsed.TotalSeconds:F1}s"));
        return CliApp.Success;
    }

    /// <summary>Class names from the model's advscan.classes metadata, else "0".."K-1" from a fixed [batch, K] output.</summary>
    private static IReadOnlyList<string> ClassNames(OnnxModel model)
    {
        if (model.Metadata.GetValueOrDefault(Architecture.ClassesMetadataKey) is { Length: > 0 } names) return names.Split(',');
        if (model.Outputs.Count > 0 && model.Outputs[0].Shape is { Count: 2 } shape && shape[1].Value is long k and > 0)
        {
            ResourceLimits.Check(k, ResourceLimits.Current.MaxClasses, "maxClasses", $"output '{UntrustedText.Escape(model.Outputs[0].Name)}' declares a class count that", model.File);
            return Enumerable.Range(0, (int)k).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        }
        throw new InvalidInputException(model.File,
            $"has no '{Architecture.ClassesMetadataKey}' metadata and its output is not [batch, classes] with a fixed class count");
    }

    private sealed class EpochPrinter(TextWriter output) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {p.Epoch}/{p.Epochs}:    eps {p.Epsilon:0.###}, loss {p.MeanLoss:F4}, accuracy on adversarial batches {p.TrainingAccuracy:P2}, {p.Elapsed.TotalSeconds:F1}s"));
    }
}
