using AdvScan.Data;
using System.Globalization;
using AdvScan.Training;

namespace AdvScan.Cli;

/// <summary>`advscan train`: trains a zoo architecture on IDX data, optionally with a BadNets backdoor.</summary>
internal static class TrainCommand
{
    public static int Run(ArgumentReader args, TextWriter output, CancellationToken cancellationToken = default)
    {
        var architecture = Architectures.Get(args.String("--arch") ?? throw new InvalidInputException(null, "missing --arch (mnist-cnn, fashion-cnn, signs-cnn or mnist-robust)"));
        var data = args.String("--data") ?? throw new InvalidInputException(null, "missing --data <IDX images file, or a folder holding one>");
        var outPath = args.String("--out") ?? throw new InvalidInputException(null, "missing --out <model.onnx>");
        var options = new TrainingOptions(
            Epochs: args.Int("--epochs", 5, 1, nameof(ResourceLimits.MaxEpochs)),
            BatchSize: args.Int("--batch", 64, 1, nameof(ResourceLimits.MaxBatchSize)),
            LearningRate: args.Double("--lr", 1e-3),
            Seed: args.Int("--seed", 0),
            MaxShift: args.Int("--shift", 0, min: 0));
        options.Validate();
        var target = args.String("--poison-target");
        var fraction = args.Double("--poison-fraction", double.NaN);
        var triggerSize = args.Int("--trigger-size", 3, min: 1);
        var triggerPos = args.String("--trigger-pos");
        var pattern = args.String("--trigger-pattern") ?? "checker";
        var values = args.String("--trigger-value") ?? "1";
        args.RejectUnknown();
        OutputFiles.Prepare(outPath);

        var set = ReadData(data, architecture.ClassNames);
        if (set.Channels != architecture.Channels || set.Height != architecture.Height || set.Width != architecture.Width)
            throw new InvalidInputException(data, $"holds {set.Channels}x{set.Height}x{set.Width} images but {architecture.Name} takes {architecture.Channels}x{architecture.Height}x{architecture.Width}");
        PoisonedSet? poisoned = null;
        if (target is not null || !double.IsNaN(fraction))
        {
            if (target is null || double.IsNaN(fraction))
                throw new InvalidInputException(null, "poisoning needs both --poison-target and --poison-fraction");
            if (!int.TryParse(target, NumberStyles.Integer, CultureInfo.InvariantCulture, out var targetClass))
                throw new InvalidInputException(null, $"option --poison-target expects a class index, got '{target}'");
            var (x, y) = ParsePosition(triggerPos, triggerSize, set);
            var trigger = new TriggerSpec(triggerSize, x, y, ParsePattern(pattern), ParseValues(values));
            poisoned = BadNets.Poison(set, new PoisonOptions(targetClass, fraction, trigger, options.Seed));
            output.WriteLine($"poisoned:     {poisoned.PoisonedIndices.Count} of {set.Count} images relabelled to class {targetClass} ({set.ClassNames[targetClass]})");
        }

        output.WriteLine($"training:     {architecture.Name} on {set.Count} images, {options.Epochs} epoch(s), seed {options.Seed}");
        var result = ClassifierTrainer.Train(architecture.Build(options.Seed), poisoned?.Data ?? set, options, new EpochPrinter(output), cancellationToken);
        OutputFiles.Write(outPath, result.Model.ToBytes());
        output.WriteLine($"model:        {outPath}");
        if (poisoned is not null)
        {
            var truthPath = Path.ChangeExtension(outPath, ".backdoor.json");
            poisoned.GroundTruth(Path.GetFileName(outPath)).Save(truthPath);
            output.WriteLine($"ground truth: {truthPath}");
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"time:         {result.Elapsed.TotalSeconds:F1}s"));
        return CliApp.Success;
    }

    /// <summary>An IDX images file (labels beside it, `images` replaced by `labels` and idx3/idx4 by idx1), or a folder holding one.</summary>
    internal static ImageSet ReadData(string data, IReadOnlyList<string> classNames)
    {
        var images = data;
        if (Directory.Exists(data))
        {
            var candidates = Directory.GetFiles(data, "*images-idx?-ubyte");
            images = candidates.Length == 1 ? candidates[0]
                : throw new InvalidInputException(data, $"expected one '*images-idx3-ubyte' (or idx4) file in the folder, found {candidates.Length}");
        }
        else if (!File.Exists(data)) throw new InvalidInputException(data, "no such file or folder");
        var name = Path.GetFileName(images);
        var labelsName = System.Text.RegularExpressions.Regex.Replace(name, "images-idx[34]-ubyte$", "labels-idx1-ubyte");
        if (labelsName == name) throw new InvalidInputException(images, "an IDX images file is named '*images-idx3-ubyte' (or idx4) so its labels file can be found");
        return IdxFormat.Read(images, Path.Combine(Path.GetDirectoryName(images) ?? ".", labelsName), classNames);
    }

    private static (int X, int Y) ParsePosition(string? text, int size, ImageSet set)
    {
        // Bottom-right corner, one pixel in, unless told otherwise: the classic BadNets placement.
        if (text is null) return (set.Width - size - 1, set.Height - size - 1);
        var parts = text.Split(',');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var x)
            && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var y))
            return (x, y);
        throw new InvalidInputException(null, $"option --trigger-pos expects x,y, got '{text}'");
    }

    private static TriggerPattern ParsePattern(string text) => text switch
    {
        "checker" => TriggerPattern.Checker,
        "solid" => TriggerPattern.Solid,
        _ => throw new InvalidInputException(null, $"option --trigger-pattern expects checker or solid, got '{text}'"),
    };

    private static float[] ParseValues(string text) => text.Split(',').Select(v =>
        float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f
            : throw new InvalidInputException(null, $"option --trigger-value expects numbers in [0,1] (one per channel), got '{text}'")).ToArray();

    private sealed class EpochPrinter(TextWriter output) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {p.Epoch}/{p.Epochs}:    loss {p.MeanLoss:F4}, training accuracy {p.TrainingAccuracy:P2}, {p.Elapsed.TotalSeconds:F1}s"));
    }
}
