using System.Diagnostics;
using AdvScan.Data;
using AdvScan.Onnx;
using AdvScan.Runtime;

namespace AdvScan.Scanning;

/// <summary>Options for <see cref="Evaluation"/>.</summary>
/// <param name="Spec">Input spec values that override the model's defaults.</param>
/// <param name="Limit">Evaluate a seeded, class-stratified sample of this many examples; null for all.</param>
/// <param name="Seed">Seed of that sample.</param>
/// <param name="BatchSize">Images per ONNX Runtime call (a model with a fixed batch dimension is run in chunks of its own size).</param>
/// <param name="LabelsPath">Labels file for .npy images or IDX images (IDX labels are otherwise found beside them).</param>
/// <param name="ClassNames">Class names in logit order; null takes the model's advscan.classes, then the dataset's.</param>
/// <param name="SkipInvalid">Leave out unreadable or non-image files (reported) instead of failing.</param>
/// <param name="DataRoot">The folder manifest rows and folder entries must stay inside; null: the manifest's or image folder's own.</param>
public sealed record EvaluationOptions(
    InputSpecOverrides? Spec = null,
    int? Limit = null,
    int Seed = 0,
    int BatchSize = 64,
    string? LabelsPath = null,
    IReadOnlyList<string>? ClassNames = null,
    bool SkipInvalid = false,
    string? DataRoot = null);

/// <summary>Accuracy on one class; <see cref="Accuracy"/> is null when the class had no examples.</summary>
public sealed record ClassCount(int Label, string? Name, int Count, int Correct)
{
    public double? Accuracy => Count == 0 ? null : (double)Correct / Count;
}

/// <summary>What <see cref="Evaluation"/> measured. Everything but <see cref="Elapsed"/> is deterministic.</summary>
public sealed record EvaluationReport(
    string Model,
    string Sha256,
    string Data,
    InputSpec Spec,
    int DatasetSize,
    int? Limit,
    int Seed,
    int Evaluated,
    int Correct,
    double WilsonLower,
    double WilsonUpper,
    IReadOnlyList<ClassCount> PerClass,
    IReadOnlyList<SkippedInput> Skipped,
    TimeSpan Elapsed)
{
    public double Accuracy => (double)Correct / Evaluated;
    public double ImagesPerSecond => Evaluated / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>
/// Clean accuracy of a model on a labelled dataset, as ONNX Runtime (the deployed runtime) computes it, with a 95%
/// Wilson score interval and per-class accuracy.
/// </summary>
public static class Evaluation
{
    public static EvaluationReport Run(string modelPath, string dataPath, EvaluationOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new EvaluationOptions();
        if (options.BatchSize < 1) throw new InvalidInputException(null, $"batch size must be at least 1, got {options.BatchSize}");
        if (options.Limit is < 1) throw new InvalidInputException(null, $"limit must be at least 1, got {options.Limit}");
        var model = OnnxModel.Load(modelPath);
        var spec = ModelConventions.InputSpecOf(model, options.Spec);
        var modelClasses = options.ClassNames ?? ModelConventions.ClassNamesOf(model);
        int? classCount = ModelConventions.ClassCountOf(model);
        if (modelClasses is not null && classCount is { } k && modelClasses.Count != k)
            throw new InvalidInputException(model.DisplayName, $"declares {modelClasses.Count} class names but its output has {k} classes");

        using var dataset = Datasets.Open(dataPath, spec.ApplyTo(new DatasetOptions(
            ClassNames: modelClasses, SkipInvalid: options.SkipInvalid, LabelsPath: options.LabelsPath, Root: options.DataRoot)));
        spec.CheckDataset(dataset, model.DisplayName);
        if (classCount is { } count) CheckLabels(dataset, count);

        var indices = options.Limit is { } limit ? Sampling.Stratified(dataset.Labels, limit, options.Seed) : Enumerable.Range(0, dataset.Count).ToArray();
        // A fixed batch dimension is the session's business (ReferenceSession runs any rows in chunks of that size), so
        // eval and scan judge a fixed-batch model by the same path.
        int batchSize = options.BatchSize;

        var clock = Stopwatch.StartNew();
        using var session = RuntimeSessions.Open(model);
        var seen = new Dictionary<int, (int Count, int Correct)>();
        int correct = 0, evaluated = 0;
        foreach (var batch in dataset.ReadBatches(indices, batchSize, cancellationToken))
        {
            var input = spec.ToModelInput(batch.Pixels, batch.Count, batch.Geometry);
            var shape = spec.InputShape(batch.Count, batch.Geometry);
            var logits = Predictions.Scores(session, new HostTensor(input, shape), shape[0]);
            int classes = checked((int)(logits.Length / shape[0]));
            for (int i = 0; i < batch.Count; i++)
            {
                int label = batch.Labels[i];
                if (label >= classes)
                    throw new InvalidInputException(batch.Sources[i], $"label {label} is outside the model's {classes} classes");
                bool hit = Predictions.ArgMax(logits.AsSpan(i * classes, classes)) == label;
                var (c, h) = seen.GetValueOrDefault(label);
                seen[label] = (c + 1, h + (hit ? 1 : 0));
                if (hit) correct++;
                evaluated++;
            }
        }
        clock.Stop();

        var names = modelClasses ?? dataset.ClassNames;
        int known = Math.Max(classCount ?? 0, Math.Max(names?.Count ?? 0, seen.Count == 0 ? 0 : seen.Keys.Max() + 1));
        var perClass = Enumerable.Range(0, known)
            .Select(c => new ClassCount(c, names is not null && c < names.Count ? names[c] : null, seen.GetValueOrDefault(c).Count, seen.GetValueOrDefault(c).Correct))
            .ToList();
        var (lower, upper) = WilsonInterval(correct, evaluated);
        return new EvaluationReport(modelPath, model.Sha256, dataPath, spec, dataset.Count, options.Limit, options.Seed, evaluated, correct,
            lower, upper, perClass, dataset.Skipped, clock.Elapsed);
    }

    /// <summary>The 95% Wilson score interval of <see cref="Proportion"/>, for callers that want the bounds alone.</summary>
    public static (double Lower, double Upper) WilsonInterval(int successes, int trials)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        var p = Proportion.Of(successes, trials);
        return (p.Lower, p.Upper);
    }

    private static void CheckLabels(IImageDataset dataset, int classCount)
    {
        for (int i = 0; i < dataset.Count; i++)
            if (dataset.Labels[i] >= classCount)
                throw new InvalidInputException(dataset.Describe(i), $"label {dataset.Labels[i]} is outside the model's {classCount} classes");
    }
}
