using System.Globalization;
using System.Reflection;
using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning.Attacks;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AdvScan.Scanning;

/// <summary>Per-run choices that are not part of the config: where to run and which shard of the sample to take.</summary>
/// <param name="Cache">The verdict cache's folder (<see cref="VerdictCache"/>); null: no cache.</param>
public sealed record ScanOptions(string? Device = null, int ShardIndex = 0, int ShardCount = 1, int GalleryExamples = 8, string? Cache = null);

/// <summary>Where a scan is, for progress bars: a stage name and examples done out of the total.</summary>
public readonly record struct ScanProgress(string Stage, int Done, int Total);

/// <summary>
/// The one scan API. Loads the model and data a config names, measures clean accuracy, every configured attack (all
/// verdicts by ONNX Runtime) and every configured check, and judges the gates. Attacks and checks are the services
/// registered in DI (<see cref="ScanRegistry"/>), found by name; the CLI, the MSBuild task and the ML.NET step all run
/// scans through <see cref="Run"/>.
/// </summary>
public sealed class Scanner(ScanRegistry registry, IDatasetSource datasets)
{
    /// <summary>Every attack, check and metric a config may name.</summary>
    public ScanRegistry Registry => registry;

    public static string ToolVersion { get; } =
        typeof(Scanner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public ScanReport Run(ScanConfig config, ScanOptions? options = null, IProgress<ScanProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new ScanOptions();
        using var limits = config.Limits is { } l ? ResourceLimits.Use(l) : null;
        if (options.ShardCount < 1 || options.ShardIndex < 0 || options.ShardIndex >= options.ShardCount)
            throw new InvalidInputException(null, $"shard {options.ShardIndex}/{options.ShardCount} is not valid; use i/n with 0 <= i < n");
        var device = options.Device ?? config.Device;
        if (!DeviceName.IsValid(device)) throw new InvalidInputException(null, $"device must be cpu or cuda, got '{device}'");
        var file = config.ConfigFile;
        var attacks = config.Attacks.Select(a => Located(file, a.Line, () => registry.Attack(a.Attack) ?? throw new InvalidInputException(null, $"attack '{a.Attack}' is not registered"))).ToList();
        var checks = config.Checks.Select(c => Located(file, c.Line, () => registry.Check(c.Check) ?? throw new InvalidInputException(null, $"check '{c.Check}' is not registered"))).ToList();
        var model = Located(file, config.ModelLine, () => OnnxModel.Load(config.Model));
        using var dataset = Located(file, config.Data.Line, () => datasets.Open(config, model, cancellationToken));
        // The target's graph is imported once and shared by the white-box attacks and the checks. With a white-box
        // attack configured it is imported before ONNX Runtime opens, which then reads the engine's weight arrays from
        // the start: ONNX Runtime's own copy (and its pre-packed weights) never lives beside the engine's (bench (m)).
        // Otherwise it is imported on first use, by a check, and ONNX Runtime is reopened over the engine's arrays.
        OnnxGraph? imported = null;
        ReferenceSession? runtime = null;
        OnnxGraph Graph() => imported ??= Located(file, config.ModelLine, () => RuntimeSessions.ImportTarget(model, runtime!, device));
        var attackReports = new List<AttackReport>();
        SequentialGates? sequentialGates = null;
        int batchesAttacked = 0;
        try
        {
            if (attacks.Any(a => a.NeedsTargetGraph))
                imported = Located(file, config.ModelLine, () => RuntimeSessions.ImportBeforeSession(model, device));
            runtime = RuntimeSessions.Open(model, device, imported);

            var sample = config.SampleSize > 0 ? dataset.Sample(config.SampleSize, config.Seed) : Enumerable.Range(0, dataset.Labels.Count).ToList();
            if (config.Sequential && options.ShardCount > 1)
                throw new InvalidInputException(file, "sequential gates cannot run in shards (each shard would stop on its own evidence); run the sequential scan whole, or shard a full-sample scan", config.SampleLine > 0 ? config.SampleLine : null);
            var indices = config.Sequential ? SequentialGates.Order(sample, config.Seed)
                : sample.Where((_, position) => position % options.ShardCount == options.ShardIndex).ToList();
            if (indices.Count == 0) throw new InvalidInputException(file, "the sample is empty (no examples in the data, or more shards than examples)", config.Data.Line > 0 ? config.Data.Line : null);
            var cache = options.Cache is { } folder ? new VerdictCache(folder, ResourceLimits.Current.MaxCacheBytes) : null;
            IEnumerable<LabeledBatch> Batches() => dataset.Read(indices, config.BatchSize, cancellationToken);
            var tally = new CleanTally(dataset.ClassNames.Count);

            var streams = new List<AttackStream>();
            var outcomes = new List<OutcomeCollector>();
            try
            {
                for (int i = 0; i < attacks.Count; i++)
                {
                    var attack = config.Attacks[i];
                    var seen = new OutcomeCollector(options.GalleryExamples);
                    outcomes.Add(seen);
                    var settings = attack.ToSettings(config.Seed);
                    Located(file, attack.Line, () => { settings.Validate(dataset.ClassNames.Count); return 0; });
                    var stage = new ImmediateProgress<int>(done => progress?.Report(new ScanProgress(attack.Id, done, indices.Count)));
                    // No batches of its own: the stream is fed batch by batch, each batch read once for every attack.
                    var run = new AttackRun(attack.Id, settings, attack.Epsilons, model, Graph, runtime, dataset, device, [])
                        { Progress = stage, Observe = seen.Add, CancellationToken = cancellationToken };
                    streams.Add(Located(file, attack.Line, () => new AttackStream(attacks[i], run, cache, dataset.ClassNames.Count)));
                }

                // One pass over the batches: ONNX Runtime's clean verdicts, then every attack. A sequential scan takes the
                // batches in its seeded order, one a round, and stops at the first round after which every gate is settled.
                var sequential = config.Sequential ? new SequentialGates(config.Gates, config.Confidence) : null;
                int used = 0;
                progress?.Report(new ScanProgress("clean accuracy", 0, indices.Count));
                foreach (var batch in Batches())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var (predicted, _) = Predictions.Predict(runtime, dataset.Mapping, batch.Pixels, batch.Shape);
                    tally.Add(predicted, batch.Labels);
                    for (int i = 0; i < streams.Count; i++)
                    {
                        var stream = streams[i];
                        Located(file, config.Attacks[i].Line, () => { stream.Feed(batch); return 0; });
                    }
                    used += batch.Labels.Length;
                    progress?.Report(new ScanProgress("clean accuracy", used, indices.Count));
                    if (sequential is null) continue;
                    var soFar = streams.Select((st, i) => new AttackReport(config.Attacks[i], st.Result())).ToList();
                    soFar.AddRange(WorstCase.Combine(soFar, config.Gates.Select(g => g.Source).OfType<string>()));
                    Located(file, config.SampleLine, () => { sequential.Feed(soFar, tally.Correct, used); return 0; });
                    if (sequential.AllSettled) break;
                }
                if (sequential is not null) indices = indices.Take(used).ToList();
                sequentialGates = sequential;
                for (int i = 0; i < streams.Count; i++)
                {
                    var result = streams[i].Result();
                    batchesAttacked += streams[i].BatchesAttacked;
                    attackReports.Add(new AttackReport(config.Attacks[i], result, result.Curve[^1].Transfer?.Value) { Description = streams[i].Describe(), Keys = streams[i].Keys });
                }
            }
            finally
            {
                foreach (var stream in streams) stream.Dispose();
            }
            var clean = tally.Counts;

            // The worst case per example over the attacks of each norm, as an attack of its own (gates name it "all").
            attackReports.AddRange(WorstCase.Combine(attackReports, config.Gates.Select(g => g.Source).OfType<string>()));

            var checkReports = new List<CheckReport>();
            for (int i = 0; i < checks.Count; i++)
            {
                var entry = config.Checks[i];
                cancellationToken.ThrowIfCancellationRequested();
                var context = new CheckContext(Graph)
                {
                    Model = model, Runtime = runtime, Dataset = dataset, Sample = sample, Indices = indices,
                    ShardIndex = options.ShardIndex, ShardCount = options.ShardCount, Seed = config.Seed, Device = device,
                    BatchSize = config.BatchSize, ConfigFile = file, Line = entry.Line,
                    OpenData = (path, labels) => datasets.Open(config with { Data = new DataConfig(path, labels, entry.Line) }, model, cancellationToken),
                    Progress = new ImmediateProgress<(int Done, int Total)>(p => progress?.Report(new ScanProgress(entry.Id, p.Done, p.Total))),
                    CancellationToken = cancellationToken, CleanAccuracy = clean.Accuracy, Attacks = attackReports,
                };
                var report = Located(file, entry.Line, () =>
                {
                    entry.Settings.Validate(context);
                    return checks[i].Run(context, entry.Settings);
                });
                checkReports.Add(report with { Id = entry.Id, Check = entry.Check, Line = entry.Line });
            }

            var gates = config.Gates.Select((g, k) => Located(file, g.Line, () => GateJudge.Judge(g, registry.Metric(g.Metric)
                ?? throw new InvalidInputException(null, $"unknown metric '{g.Metric}'"), GateJudge.Measure(g, clean.Accuracy, attackReports, checkReports), config.NearThreshold,
                sequentialGates?.VerdictOf(k, indices.Count)))).ToList();
            // Per-class robustness and the gallery come from the strongest attack: lowest robust accuracy at its largest budget.
            int strongest = outcomes.Count == 0 ? -1 : Enumerable.Range(0, outcomes.Count)
                .MinBy(a => (attackReports[a].Result.Curve[^1].RobustAccuracy.Successes, a));
            var perClass = PerClass(dataset.ClassNames, clean.PerClass, strongest < 0 ? null : outcomes[strongest]);
            var gallery = strongest < 0 ? [] : Gallery(outcomes[strongest], options.GalleryExamples);
            return new ScanReport(ToolVersion, file, config.Model, model.Sha256, dataset.Description, indices.Count, config.Seed, device,
                dataset.ClassNames, clean.Accuracy, attackReports, gates, perClass, gallery)
            {
                Checks = checkReports, Rules = registry.Rules,
                Sequential = config.Sequential ? new SequentialScan(sample.Count, indices.Count, config.Confidence) : null,
                Statistics = new ScanStatistics(batchesAttacked, cache?.Hits ?? 0, cache?.Rejected ?? 0),
            };
        }
        finally
        {
            runtime?.Dispose();
            imported?.Dispose();
        }
    }

    /// <summary>Whether an attack crafts on the target's own differentiable graph (white-box) rather than through ONNX Runtime or a surrogate.</summary>
    public bool NeedsGraph(string attack) => registry.Attack(attack)?.NeedsTargetGraph ?? false;

    /// <summary>
    /// Runs one registered attack over the run's batches: the attack prepares its crafting (on the target's graph, through
    /// ONNX Runtime, or on a surrogate), and <see cref="RobustnessEvaluation"/> judges every example on ONNX Runtime.
    /// Settings are validated by the caller.
    /// </summary>
    public RobustnessResult RunAttack(string attack, AttackRun run) =>
        RunAttack(registry.Attack(attack) ?? throw new InvalidInputException(null, $"attack '{attack}' is not registered"), run);

    private static RobustnessResult RunAttack(ICraftingAttack attack, AttackRun run)
    {
        using var prepared = attack.Prepare(run);
        var evaluation = new RobustnessEvaluation(run.Runtime, run.Dataset.Mapping);
        return evaluation.Run(run.Id, prepared.Craft, run.Settings, run.Epsilons, run.Batches, prepared.Transfer, run.Progress, run.CancellationToken, run.Observe);
    }

    /// <summary>
    /// One configured attack fed batch by batch (in one pass, or in a sequential scan's rounds): each batch's outcome is
    /// read from the verdict cache when there, attacked otherwise (the attack prepared on the first batch that needs it,
    /// so a run served wholly from the cache prepares nothing), and folded into the attack's figures.
    /// </summary>
    private sealed class AttackStream : IDisposable
    {
        private readonly ICraftingAttack attack;
        private readonly AttackRun run;
        private readonly VerdictCache? cache;
        private readonly string? identity;
        private readonly int classes;
        private readonly double[] budgets;
        private readonly RobustnessEvaluation evaluation;
        private readonly RobustnessAccumulator accumulator;
        private PreparedCraft? prepared;
        private int batchIndex;

        public AttackStream(ICraftingAttack attack, AttackRun run, VerdictCache? cache, int classes)
        {
            this.attack = attack;
            this.run = run;
            this.cache = cache;
            this.classes = classes;
            budgets = RobustnessEvaluation.Budgets(run.Id, run.Settings, run.Epsilons);
            evaluation = new RobustnessEvaluation(run.Runtime, run.Dataset.Mapping);
            accumulator = new RobustnessAccumulator(run.Id, run.Settings, budgets, false, run.Progress, run.Observe);
            identity = cache is null ? null : VerdictCache.AttackIdentity(attack.Name, (attack as RegisteredAttack)?.Implementation ?? attack.GetType(), run.Settings, budgets);
        }

        /// <summary>Batches this stream attacked (not served by the cache).</summary>
        public int BatchesAttacked { get; private set; }

        public void Feed(LabeledBatch batch)
        {
            int index = batchIndex++;
            var key = cache?.KeyOf(run.Model.Sha256, run.Dataset.Preprocessing ?? run.Dataset.Description, run.Device, identity!, index, batch);
            var outcome = key is null ? null : cache!.TryRead(key, batch, budgets.Length, classes);
            if (outcome is null)
            {
                prepared ??= attack.Prepare(run);
                outcome = evaluation.AttackBatch(prepared.Craft, batch, index, run.Settings, budgets, prepared.Transfer, run.Observe is not null, run.CancellationToken);
                BatchesAttacked++;
                if (key is not null) cache!.Write(key, outcome);
            }
            accumulator.Add(batch, outcome);
        }

        public RobustnessResult Result() => accumulator.Result();

        public string Describe() => attack.Describe(run.Settings);

        public IReadOnlyList<string> Keys => attack.Keys;

        public void Dispose() => prepared?.Dispose();
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

    /// <summary>Bad input found while acting on one config entry is reported on that entry's line.</summary>
    private static T Located<T>(string? configFile, int line, Func<T> action)
    {
        if (configFile is null) return action();
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICraftingAttack, TransferAttack>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICraftingAttack, Attacks.Spatial.SpatialAttack>());
        services.TryAddSingleton<IDatasetSource, DatasetSource>();
        services.TryAddSingleton<ScanRegistry>();
        services.TryAddSingleton<Scanner>();
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
