using AdvScan.Hardening;
using AdvScan.Data;
using System.Globalization;
using System.Text.Json;
using AdvScan.Checks.Backdoor;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using AdvScan.Training;

namespace AdvScan.Cli;

/// <summary>
/// `advscan harden --unlearn`: Neural Cleanse's mitigation. The trigger is a known one (--truth) or the one Neural
/// Cleanse recovers for its most suspicious class; the model is fine-tuned on clean images, a share of them stamped
/// with it and keeping their true labels, and written as a new ONNX. Trigger success and clean accuracy before and
/// after are measured by ONNX Runtime on a seeded held-out part of the data that neither step saw.
/// </summary>
internal static class UnlearnCommand
{
    private static readonly UnlearningOptions Defaults = new();
    private const double DefaultJudgeShare = 0.2;

    // Defaults in the text come from the options record, so help cannot drift from what runs.
    public static readonly string Usage = string.Create(CultureInfo.InvariantCulture, $$"""
          harden --unlearn --model <in.onnx> --data <data> [--labels L] --out <out.onnx> [--truth x.backdoor.json]
                 [--epochs {{Defaults.Epochs}}] [--lr {{Defaults.LearningRate}}] [--batch {{Defaults.BatchSize}}] [--share {{Defaults.StampedShare}}] [--judge {{DefaultJudgeShare}}] [--seed {{Defaults.Seed}}] [--json F] [--data-root DIR]
              Backdoor unlearning (Neural Cleanse's mitigation): recover the trigger with Neural Cleanse (or take
              --truth's), fine-tune on the data with --share of it stamped and correctly labelled, and report trigger
              success and clean accuracy before and after on the held-out --judge share (ONNX Runtime).
        """);

    public static int Run(ArgumentReader args, TextWriter output)
    {
        var modelPath = args.String("--model") ?? throw new InvalidInputException(null, "--unlearn fine-tunes an existing model: missing --model <in.onnx>");
        var data = args.String("--data") ?? throw new InvalidInputException(null, "missing --data <data>");
        var labels = args.String("--labels");
        var outPath = args.String("--out") ?? throw new InvalidInputException(null, "missing --out <model.onnx>");
        var truthPath = args.String("--truth");
        var options = new UnlearningOptions(args.Double("--share", Defaults.StampedShare), args.Int("--epochs", Defaults.Epochs, 1, nameof(ResourceLimits.MaxEpochs)),
            args.Int("--batch", Defaults.BatchSize, 1, nameof(ResourceLimits.MaxBatchSize)), args.Double("--lr", Defaults.LearningRate), args.Int("--seed", Defaults.Seed));
        double judgeShare = args.Double("--judge", DefaultJudgeShare);
        var json = args.String("--json");
        var dataRoot = args.String("--data-root");
        args.RejectUnknown();
        options.Validate();
        if (!(judgeShare > 0 && judgeShare < 1)) throw new InvalidInputException(null, $"option --judge must lie strictly between 0 and 1, got {judgeShare}");
        if (!File.Exists(modelPath)) throw new InvalidInputException(modelPath, "no such file");
        OutputFiles.Prepare(outPath);
        OutputFiles.Prepare(json);

        var model = OnnxModel.Load(modelPath);
        using var dataset = DatasetSource.Open(data, labels, null, model, dataRoot: dataRoot);
        var order = Enumerable.Range(0, dataset.Labels.Count).ToArray();
        new Random(options.Seed).Shuffle(order);
        int judgeCount = (int)Math.Round(judgeShare * order.Length);
        if (judgeCount < 1 || order.Length - judgeCount < 2)
            throw new InvalidInputException(data, $"holds {order.Length} images, too few to fine-tune on and judge the result");
        var judge = HostImages.Read(dataset, order[..judgeCount]);
        var tuneIndices = order[judgeCount..];
        var tune = HostImages.Read(dataset, tuneIndices);
        using var runtime = RuntimeSessions.Open(model);

        var (trigger, target, source) = truthPath is null ? Recover(model, runtime, dataset, tuneIndices, options.Seed) : Known(truthPath, judge, dataset.ClassNames);
        output.WriteLine($"trigger:      {source}");
        var before = BackdoorEffect.Measure(new RuntimeOracle(runtime, dataset.Mapping.ToModelInputHost), judge, trigger, target);
        var result = Unlearning.Unlearn(model, tune, trigger, dataset.Mapping, dataset.ClassNames, options);
        OutputFiles.Write(outPath, result.Model.ToBytes());
        using var after = RuntimeSessions.Open(OnnxModel.Load(outPath));
        var effect = BackdoorEffect.Measure(new RuntimeOracle(after, dataset.Mapping.ToModelInputHost), judge, trigger, target);

        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"unlearning:   {options.Describe()} on {tune.Count} images; judged on {judge.Count} held-out images (ONNX Runtime)");
        output.WriteLine(string.Create(c, $"before:       clean accuracy {before.CleanAccuracy.Value:P2}, trigger success {before.TriggerSuccess.Value:P2} ({before.TriggerSuccess.Successes}/{before.TriggerSuccess.Trials})"));
        output.WriteLine(string.Create(c, $"after:        clean accuracy {effect.CleanAccuracy.Value:P2}, trigger success {effect.TriggerSuccess.Value:P2} ({effect.TriggerSuccess.Successes}/{effect.TriggerSuccess.Trials})"));
        output.WriteLine($"model:        {outPath}");
        if (json is not null)
        {
            var document = new
            {
                model = Path.GetFileName(modelPath), modelSha256 = model.Sha256, output = Path.GetFileName(outPath), outputSha256 = result.Model.Sha256,
                trigger = source, targetClass = target, targetClassName = dataset.ClassNames[target], options, judged = judge.Count, tuned = tune.Count,
                before = new { cleanAccuracy = before.CleanAccuracy.Value, triggerSuccess = before.TriggerSuccess.Value },
                after = new { cleanAccuracy = effect.CleanAccuracy.Value, triggerSuccess = effect.TriggerSuccess.Value },
            };
            OutputFiles.Write(json, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }) + "\n");
        }
        return CliApp.Success;
    }

    private static (MaskedTrigger, int, string) Known(string path, HostImages images, IReadOnlyList<string> names)
    {
        var truth = BackdoorGroundTruth.Load(path);
        if (truth.TargetClass < 0 || truth.TargetClass >= names.Count)
            throw new InvalidInputException(path, $"target class {truth.TargetClass} is outside the model's {names.Count} classes");
        try
        {
            return (MaskedTrigger.FromSpec(truth.Trigger, images.Channels, images.Height, images.Width), truth.TargetClass,
                $"known trigger from {Path.GetFileName(path)}, target {truth.TargetClass} ({names[truth.TargetClass]})");
        }
        catch (InvalidInputException e) when (e.File is null) { throw new InvalidInputException(path, e.Problem); }
    }

    /// <summary>Neural Cleanse with default settings on up to 200 of the fine-tuning images: the most suspicious class's trigger.</summary>
    private static (MaskedTrigger, int, string) Recover(OnnxModel model, ReferenceSession runtime, OpenedDataset dataset, int[] tune, int seed)
    {
        using var graph = OnnxGraph.Import(model, new ImportOptions("cpu"));
        var sample = tune.Take(200).ToList();
        var context = new CheckContext(() => graph)
        {
            Model = model, Runtime = runtime, Dataset = dataset, Sample = sample, Indices = sample, Seed = seed,
            OpenData = (p, l) => DatasetSource.Open(p, l, null, model),
        };
        var analysis = NeuralCleanseAnalysis.Run(context, NeuralCleanseSettings.Default);
        var s = analysis.MostSuspicious;
        var names = dataset.ClassNames;
        string why = analysis.Flagged.Count > 0
            ? string.Create(CultureInfo.InvariantCulture, $"flagged, anomaly index {analysis.LogAnomalyIndices[s.Class]:0.##}")
            : "no class flagged: the smallest mask";
        return (s.Trigger, s.Class, $"recovered by Neural Cleanse for class {s.Class} ({names[s.Class]}, {why})");
    }
}
