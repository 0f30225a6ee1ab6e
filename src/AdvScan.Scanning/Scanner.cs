using System.Globalization;
using System.Reflection;
using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AdvScan.Scanning;

/// <summary>Per-run choices that are not part of the config: where to run and which shard of the sample to take.</summary>
public sealed record ScanOptions(string? Device = null, int ShardIndex = 0, int ShardCount = 1, int GalleryExamples = 8);

/// <summary>Where a scan is, for progress bars: a stage name and examples done out of the total.</summary>
public readonly record struct ScanProgress(string Stage, int Done, int Total);

/// <summary>
/// The one scan API. Loads the model and data a config names, measures clean accuracy and every configured attack
/// (all verdicts by ONNX Runtime), and judges the gates. Attacks are the <see cref="IEvasionAttack"/> and
/// <see cref="IScoreBasedAttack"/> services registered in DI, found by name.
/// </summary>
public sealed class Scanner(IEnumerable<IEvasionAttack> evasionAttacks, IEnumerable<IScoreBasedAttack> scoreAttacks, IDatasetSource datasets)
{
    /// <summary>Every attack name a config may use: the registered white-box and score-based attacks, and transfer.</summary>
    public IReadOnlySet<string> AttackNames { get; } = new HashSet<string>(
        evasionAttacks.Select(a => a.Name).Concat(scoreAttacks.Select(a => a.Name)).Append("transfer"), StringComparer.Ordinal);

    public static string ToolVersion { get; } =
        typeof(Scanner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public ScanReport Run(ScanConfig config, ScanOptions? options = null, IProgress<ScanProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new ScanOptions();
        if (options.ShardCount < 1 || options.ShardIndex < 0 || options.ShardIndex >= options.ShardCount)
            throw new InvalidInputException(null, $"shard {options.ShardIndex}/{options.ShardCount} is not valid; use i/n with 0 <= i < n");
        var model = Located(config.ConfigFile, config.ModelLine, () => OnnxModel.Load(config.Model));
        using var dataset = Located(config.ConfigFile, config.Data.Line, () => datasets.Open(config, model, cancellationToken));
        using var runtime = ReferenceSession.Open(model);
        var device = options.Device ?? config.Device;

        var sample = config.SampleSize > 0 ? dataset.Sample(config.SampleSize, config.Seed) : Enumerable.Range(0, dataset.Labels.Count).ToList();
        var indices = sample.Where((_, position) => position % options.ShardCount == options.ShardIndex).ToList();
        if (indices.Count == 0) throw new InvalidInputException(config.ConfigFile, "the sample is empty (no examples in the data, or more shards than examples)", config.Data.Line);
        IEnumerable<LabeledBatch> Batches() => dataset.Read(indices, config.BatchSize, cancellationToken);

        progress?.Report(new ScanProgress("clean accuracy", 0, indices.Count));
        var (clean, perClassClean) = CleanAccuracy(runtime, dataset, Batches(), dataset.ClassNames.Count);

        var needsGraph = config.Attacks.Any(a => NeedsGraph(a.Attack));
        using var graph = needsGraph ? Located(config.ConfigFile, config.ModelLine, () => OnnxGraph.Import(model, new ImportOptions(device))) : null;
        var attackReports = new List<AttackReport>();
        var outcomes = new List<OutcomeCollector>();
        foreach (var attack in config.Attacks)
        {
            var seen = new OutcomeCollector(options.GalleryExamples);
            outcomes.Add(seen);
            cancellationToken.ThrowIfCancellationRequested();
            var settings = attack.ToSettings(config.Seed);
            Located(config.ConfigFile, attack.Line, () => { settings.Validate(dataset.ClassNames.Count); return 0; });
            var stage = new ImmediateProgress<int>(done => progress?.Report(new ScanProgress(attack.Id, done, indices.Count)));
            var result = Located(config.ConfigFile, attack.Line, () => RunAttack(attack, settings, model, graph, runtime, dataset, device, Batches(), stage, seen.Add, cancellationToken));
            attackReports.Add(new AttackReport(attack, result, result.Curve[^1].Transfer?.Value));
        }

        var gates = config.Gates.Select(g => GateJudge.Judge(g, Measure(g, clean, attackReports), config.NearThreshold)).ToList();
        // Per-class robustness and the gallery come from the strongest attack: lowest robust accuracy at its largest budget.
        int strongest = attackReports.Count == 0 ? -1 : Enumerable.Range(0, attackReports.Count)
            .MinBy(a => (attackReports[a].Result.Curve[^1].RobustAccuracy.Successes, a));
        var perClass = PerClass(dataset.ClassNames, perClassClean, strongest < 0 ? null : outcomes[strongest]);
        var gallery = strongest < 0 ? [] : Gallery(outcomes[strongest], options.GalleryExamples);
        return new ScanReport(ToolVersion, config.ConfigFile, config.Model, model.Sha256, dataset.Description, indices.Count, config.Seed, device,
            dataset.ClassNames, clean, attackReports, gates, perClass, gallery);
    }

    /// <summary>Whether an attack crafts on the target's own differentiable graph (white-box) rather than through ONNX Runtime or a surrogate.</summary>
    public bool NeedsGraph(string attack) => evasionAttacks.Any(e => e.Name == attack);

    /// <summary>
    /// Runs one attack over <paramref name="batches"/> of an opened dataset: score-based attacks query ONNX Runtime,
    /// transfer attacks craft with PGD on the surrogate the attack names (which must take the same input), and every
    /// other attack crafts on <paramref name="graph"/>, the target's imported graph (needed exactly when
    /// <see cref="NeedsGraph"/> says so). Settings are validated by the caller.
    /// </summary>
    public RobustnessResult RunAttack(AttackConfig attack, AttackSettings settings, OnnxModel model, OnnxGraph? graph, ReferenceSession runtime,
        OpenedDataset dataset, string device, IEnumerable<LabeledBatch> batches, IProgress<int>? progress = null,
        Action<ExampleOutcome>? observe = null, CancellationToken cancellationToken = default)
    {
        var evaluation = new RobustnessEvaluation(runtime, dataset.Mapping);
        if (scoreAttacks.FirstOrDefault(a => a.Name == attack.Attack) is { } blackBox)
        {
            var oracle = new RuntimeOracle(runtime, dataset.Mapping.ToModelInputHost);
            return evaluation.Run(attack.Id, RobustnessEvaluation.BlackBox(blackBox, oracle), settings, attack.Epsilons, batches, false, progress, cancellationToken, observe);
        }
        if (attack.Attack == "transfer")
        {
            var surrogate = OnnxModel.Load(attack.Surrogate ?? throw new InvalidInputException(null, "a transfer attack needs a surrogate model"));
            CheckSameInput(model, surrogate);
            using var surrogateGraph = OnnxGraph.Import(surrogate, new ImportOptions(device));
            var pgd = Find("pgd");
            return evaluation.Run(attack.Id, RobustnessEvaluation.WhiteBox(pgd, surrogateGraph, dataset.Mapping), settings, attack.Epsilons, batches, true, progress, cancellationToken, observe);
        }
        if (graph is null) throw new ArgumentNullException(nameof(graph), $"the white-box attack '{attack.Attack}' needs the target's imported graph");
        return evaluation.Run(attack.Id, RobustnessEvaluation.WhiteBox(Find(attack.Attack), graph, dataset.Mapping), settings, attack.Epsilons, batches, false, progress, cancellationToken, observe);
    }

    /// <summary>The norms an attack supports, by name (transfer: those of PGD, which crafts on the surrogate).</summary>
    public IReadOnlyList<Norm> NormsOf(string attack) =>
        scoreAttacks.FirstOrDefault(a => a.Name == attack)?.Norms ?? (attack == "transfer" ? Find("pgd").Norms : Find(attack).Norms);

    private IEvasionAttack Find(string name) =>
        evasionAttacks.FirstOrDefault(a => a.Name == name) ?? throw new InvalidInputException(null, $"attack '{name}' is not registered");

    /// <summary>A surrogate must take the same input as the target, or its adversarial examples mean nothing there.</summary>
    public static void CheckSameInput(OnnxModel target, OnnxModel surrogate)
    {
        string Describe(OnnxModel m) => m.Inputs.Count == 1 ? m.Inputs[0].ShapeText : $"{m.Inputs.Count} inputs";
        bool same = target.Inputs.Count == 1 && surrogate.Inputs.Count == 1 &&
            target.Inputs[0].Shape is { } a && surrogate.Inputs[0].Shape is { } b && a.Count == b.Count &&
            a.Zip(b).All(p => p.First.Value is null || p.Second.Value is null || p.First.Value == p.Second.Value) &&
            target.Metadata.GetValueOrDefault("advscan.mean") == surrogate.Metadata.GetValueOrDefault("advscan.mean") &&
            target.Metadata.GetValueOrDefault("advscan.std") == surrogate.Metadata.GetValueOrDefault("advscan.std");
        if (!same)
            throw new InvalidInputException(surrogate.File, $"surrogate input {Describe(surrogate)} does not match the target's {Describe(target)} (same shape and normalisation needed for a transfer attack)");
    }

    private static (Proportion Clean, (int Correct, int Total)[] PerClass) CleanAccuracy(ReferenceSession runtime, OpenedDataset dataset, IEnumerable<LabeledBatch> batches, int classes)
    {
        int correct = 0, total = 0;
        var perClass = new (int Correct, int Total)[Math.Max(classes, 1)];
        foreach (var batch in batches)
        {
            var (data, shape) = dataset.Mapping.ToModelInputHost(batch.Pixels, batch.Shape);
            var logits = runtime.RunFirst(new HostTensor(data, shape)).Data;
            int count = batch.Labels.Length, width = logits.Length / count;
            for (int i = 0; i < count; i++)
            {
                int predicted = ArgMax(logits.AsSpan(i * width, width));
                int label = batch.Labels[i];
                if (label >= perClass.Length) Array.Resize(ref perClass, label + 1);
                perClass[label].Total++;
                total++;
                if (predicted == label) { correct++; perClass[label].Correct++; }
            }
        }
        return (Proportion.Of(correct, total), perClass);
    }

    private static IReadOnlyList<ClassAccuracy> PerClass(IReadOnlyList<string> names, (int Correct, int Total)[] perClass, OutcomeCollector? attacked) =>
        perClass.Select((c, i) => new ClassAccuracy(i, i < names.Count ? names[i] : i.ToString(CultureInfo.InvariantCulture), Proportion.Of(c.Correct, c.Total),
                attacked is null ? null : Proportion.Of(attacked.RobustOf(i), c.Total)))
            .ToList();

    /// <summary>The first broken examples in sample order, one per class while classes remain, so the grid shows variety.</summary>
    private static IReadOnlyList<ExampleImage> Gallery(OutcomeCollector outcomes, int count)
    {
        var broken = outcomes.Broken;
        var picked = broken.GroupBy(o => o.Label).Select(g => g.First()).Take(count).ToList();
        picked.AddRange(broken.Except(picked).Take(count - picked.Count));
        return picked.OrderBy(o => broken.IndexOf(o))
            .Select(o => new ExampleImage(o.Label, o.Clean, o.Adversarial!, o.ImageShape, o.CleanPrediction, o.CleanConfidence, o.AdversarialPrediction, o.AdversarialConfidence))
            .ToList();
    }

    /// <summary>
    /// Counts robust examples per class and keeps the pixels of at most <c>perClass</c> broken examples of each class,
    /// enough for any gallery of that size, so memory stays bounded however large the sample.
    /// </summary>
    private sealed class OutcomeCollector(int perClass)
    {
        private readonly Dictionary<int, int> robust = [];
        private readonly Dictionary<int, int> keptPerClass = [];

        public List<ExampleOutcome> Broken { get; } = [];

        public int RobustOf(int label) => robust.GetValueOrDefault(label);

        public void Add(ExampleOutcome outcome)
        {
            if (outcome.Robust) { robust[outcome.Label] = RobustOf(outcome.Label) + 1; return; }
            int kept = keptPerClass.GetValueOrDefault(outcome.Label);
            if (kept >= perClass) return;
            keptPerClass[outcome.Label] = kept + 1;
            Broken.Add(outcome);
        }
    }

    private static Proportion Measure(GateConfig gate, Proportion clean, IReadOnlyList<AttackReport> attacks)
    {
        if (gate.Metric == GateMetric.CleanAccuracy) return clean;
        var relevant = gate.Attack is null ? attacks : attacks.Where(a => a.Config.Id == gate.Attack).ToList();
        var points = relevant.Select(a => a.Result.Curve.First(p => gate.Epsilon is null ? p == a.Result.Curve[^1] : p.Epsilon == gate.Epsilon)).ToList();
        return gate.Metric switch
        {
            GateMetric.RobustAccuracy => points[0].RobustAccuracy,
            GateMetric.AttackSuccess => points[0].AttackSuccess,
            _ => Proportion.Of(points.Sum(p => p.RuntimeDisagreements), points.Sum(p => p.Attacked)),
        };
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>Bad input found while acting on one config entry is reported on that entry's line.</summary>
    private static T Located<T>(string configFile, int line, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (InvalidInputException e) when (e.File is null || e.Line is null)
        {
            var where = e.File is null || e.File == configFile ? "" : $"{e.File}: ";
            throw new InvalidInputException(configFile, where + e.Problem, line > 0 ? line : null, e);
        }
    }
}

public static class ScanServiceCollectionExtensions
{
    /// <summary>Registers the scanner and the built-in attacks; the caller adds a dataset source and reporters.</summary>
    public static IServiceCollection AddAdvScanScanner(this IServiceCollection services)
    {
        services.AddAdvScanAttacks();
        services.TryAddSingleton<IDatasetSource, DatasetSource>();
        services.AddSingleton<Scanner>();
        return services;
    }
}

/// <summary>
/// Reports on the calling thread, in order. <see cref="Progress{T}"/> posts to the thread pool when there is no
/// synchronization context (a console app), so its reports could arrive late and out of order.
/// </summary>
internal sealed class ImmediateProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
