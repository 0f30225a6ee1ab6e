using System.Globalization;
using AdvScan.Attacks;
using AdvScan.Scanning.Checks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdvScan.Scanning.Configuration;

/// <summary>
/// Reads <c>advscan.json</c>. Every problem is an <see cref="InvalidInputException"/> carrying the config file and the
/// line of the offending value: unknown properties (typos), unknown attacks, checks or metrics, a norm the attack does
/// not support, thresholds outside [0,1], missing model or data files. What a config may name comes from the
/// <see cref="ScanRegistry"/>: the attacks' and checks' own keys, defaults and norms. The accepted shape is published as
/// <c>advscan.schema.json</c> (written by <c>advscan schema</c> from the same registry) for editors.
/// </summary>
public static class ScanConfigReader
{
    private static readonly string[] TopLevel = ["$schema", "model", "data", "spec", "sample", "seed", "device", "batchSize", "attacks", "checks", "gates", "nearThreshold", "limits"];
    private static readonly string[] AttackCommonKeys = ["id", "attack", "norm", "eps"];
    private static readonly string[] GateKeys = ["id", "metric", "attack", "check", "min", "max", "bound"];

    /// <param name="registry">What the config may name (<see cref="Scanner.Registry"/>, which includes plug-ins).</param>
    /// <param name="pinnedLimits">Limits set where the config cannot change them (the command line's --limit-* options): they win over its "limits" section.</param>
    /// <param name="outputRoot">Where outputs the config names are written (a patch check's savePatch); null: the config's folder.</param>
    public static ScanConfig Load(string path, ScanRegistry? registry = null, IReadOnlyDictionary<ResourceLimit, long>? pinnedLimits = null, string? outputRoot = null)
    {
        registry ??= ScanRegistry.Default;
        if (path.Contains('\0')) throw new InvalidInputException(null, "the config path contains a NUL character");
        if (TrustBoundary.KindOf(TrustBoundary.RealPath(path)) == FileKind.Missing) throw new InvalidInputException(path, "config file does not exist");
        // A regular file (kind checked before the open), read whole only within the config limit.
        return Parse(LineAwareJson.ReadText(path, "config"), Path.GetFullPath(path), registry, pinnedLimits, outputRoot);
    }

    /// <param name="pinnedLimits">See <see cref="Load"/>.</param>
    /// <param name="outputRoot">See <see cref="Load"/>.</param>
    public static ScanConfig Parse(string json, string configFile, ScanRegistry? registry = null, IReadOnlyDictionary<ResourceLimit, long>? pinnedLimits = null, string? outputRoot = null)
    {
        registry ??= ScanRegistry.Default;
        var root = new ConfigSection(configFile, LineAwareJson.ParseObject(json, configFile), "advscan.json", outputRoot is null ? null : Path.GetFullPath(outputRoot));
        root.RejectUnknown(TopLevel);
        // The limits come first: every count below (steps, sample size, batch size) is judged against them.
        var limits = ReadLimits(root, pinnedLimits);
        using var inForce = ResourceLimits.Use(limits);

        var model = root.ExistingFile("model") ?? throw root.Fail(null, "missing required property \"model\"");
        var data = ReadData(root);
        var spec = root.Section("spec") is { } specSection ? ReadSpec(specSection) : new SpecConfig();
        int sampleSize = 0;
        long seed = 0;
        bool sequential = false;
        double confidence = 0.95;
        int sampleLine = 0;
        if (root.Has("sample"))
        {
            var sample = root.Section("sample")!;
            sample.RejectUnknown(["size", "seed", "sequential", "confidence"]);
            sampleSize = sample.Int("size", 1, nameof(ResourceLimits.MaxExamples)) ?? 0;
            seed = sample.Int("seed", min: 0) ?? 0;
            sequential = sample.Bool("sequential") ?? false;
            confidence = sample.Number("confidence", 0.5, 1, exclusiveMax: true) ?? confidence;
            sampleLine = sample.Line;
        }
        seed = root.Int("seed", min: 0) ?? seed;
        var device = root.String("device", "cpu");
        if (!DeviceName.IsValid(device)) throw root.Fail("device", $"device must be cpu or cuda, got '{UntrustedText.Escape(device)}'");

        var attacks = new List<AttackConfig>();
        var checks = new List<CheckConfig>();
        foreach (var entry in root.Sections("attacks"))
        {
            var name = entry.RequiredString("attack");
            if (registry.Check(name) is { ConfiguredAsAttack: true } check) checks.Add(ReadCheck(entry, check, "attack"));
            else attacks.Add(ReadAttack(entry, registry, name));
        }
        foreach (var entry in root.Sections("checks"))
        {
            var name = entry.RequiredString("check");
            var check = registry.Check(name)
                ?? throw entry.Fail("check", $"unknown check '{UntrustedText.Escape(name)}'; expected one of {List(registry.Checks.Select(c => c.Name))}");
            checks.Add(ReadCheck(entry, check, "check"));
        }
        var ids = attacks.Select(a => (a.Id, a.Line)).Concat(checks.Select(c => (c.Id, c.Line)));
        foreach (var duplicate in ids.GroupBy(a => a.Id).Where(g => g.Count() > 1))
            throw new InvalidInputException(configFile, $"two attacks or checks have the id '{UntrustedText.Escape(duplicate.Key)}'; give each an \"id\"", duplicate.Last().Line);

        var gates = root.Sections("gates").Select((g, index) => ReadGate(g, registry, attacks, checks, index)).ToList();
        return new ScanConfig
        {
            ConfigFile = configFile,
            Model = model,
            ModelLine = root.LineOf("model"),
            Data = data,
            Spec = spec,
            SampleSize = sampleSize,
            Sequential = sequential,
            Confidence = confidence,
            SampleLine = sampleLine,
            Seed = seed,
            Device = device,
            BatchSize = root.Int("batchSize", 1, nameof(ResourceLimits.MaxBatchSize)) ?? 64,
            Attacks = attacks,
            Checks = checks,
            Gates = gates,
            NearThreshold = root.Number("nearThreshold", 0, 1) ?? 0.02,
            Limits = limits,
        };
    }

    /// <summary>
    /// The "limits" section over the limits in force (<see cref="ResourceLimits.Current"/>), then the pinned ones: one
    /// key per <see cref="ResourceLimits"/> property (<see cref="ResourceLimits.All"/>), each a whole number from 1 to
    /// what its type holds.
    /// </summary>
    private static ResourceLimits ReadLimits(ConfigSection root, IReadOnlyDictionary<ResourceLimit, long>? pinned)
    {
        var values = new Dictionary<ResourceLimit, long>();
        if (root.Section("limits") is { } section)
        {
            section.RejectUnknown(ResourceLimits.All.Select(l => l.Key));
            foreach (var limit in ResourceLimits.All)
                if (section.Long(limit.Key, 1, limit.Maximum) is { } value) values[limit] = value;
        }
        foreach (var (limit, value) in pinned ?? new Dictionary<ResourceLimit, long>()) values[limit] = value;
        return ResourceLimits.Current.With(values);
    }

    private static DataConfig ReadData(ConfigSection root)
    {
        if (!root.Has("data")) throw root.Fail(null, "missing required property \"data\"");
        if (!root.IsObject("data")) return new DataConfig(root.ExistingPath("data")!, null, root.LineOf("data"));
        var o = root.Section("data")!;
        o.RejectUnknown(["path", "labels", "root"]);
        var path = o.ExistingPath("path") ?? throw o.Fail(null, "missing required property \"path\"");
        var dataRoot = o.ExistingPath("root");
        if (dataRoot is not null && TrustBoundary.KindOf(TrustBoundary.RealPath(dataRoot)) != FileKind.Directory)
            throw o.Fail("root", "data root must be a folder");
        return new DataConfig(path, o.ExistingFile("labels"), o.Line, dataRoot);
    }

    private static SpecConfig ReadSpec(ConfigSection o)
    {
        o.RejectUnknown(["layout", "channelOrder", "scale", "mean", "std", "resize"]);
        var scale = o.Number("scale");
        if (scale is { } s && s != 1 && s != 255) throw o.Fail("scale", string.Create(CultureInfo.InvariantCulture, $"spec.scale must be 1 or 255, got {s}"));
        return new SpecConfig(o.Choice("layout", ["nchw", "nhwc"]), o.Choice("channelOrder", ["rgb", "bgr"]), scale,
            o.Numbers("mean"), o.Numbers("std", min: 0, exclusiveMin: true), o.Choice("resize", ["none", "stretch", "center-crop"]), o.Line);
    }

    private static AttackConfig ReadAttack(ConfigSection o, ScanRegistry registry, string name)
    {
        var attack = registry.Attack(name) ?? throw o.Fail("attack",
            $"unknown attack '{UntrustedText.Escape(name)}'; expected one of {List(registry.Attacks.Select(a => a.Name).Concat(registry.Checks.Where(c => c.ConfiguredAsAttack).Select(c => c.Name)))}");
        o.RejectUnknown(AttackCommonKeys.Concat(attack.Keys));
        var norm = attack.DefaultNorm;
        if (o.String("norm") is { } normText)
        {
            norm = NormNames.Parse(normText) ?? throw o.Fail("norm", $"norm must be linf or l2, got '{UntrustedText.Escape(normText)}'");
            if (!attack.Norms.Contains(norm))
                throw o.Fail("norm", $"attack '{name}' does not support the {normText} norm; it supports {List(attack.Norms.Select(NormNames.Of))}");
        }
        var epsilons = o.Numbers("eps", min: 0, max: norm == Norm.L2 ? null : 1) ?? throw o.Fail(null, "an attack needs \"eps\", one budget or a list");
        var d = attack.Defaults;
        var settings = new AttackSettings(norm, epsilons.Max(), o.Int(AttackKeys.Steps, 0, nameof(ResourceLimits.MaxSteps)) ?? d.Steps,
            o.Number(AttackKeys.StepSize, min: 0, exclusiveMin: true) ?? d.StepSize, o.Int(AttackKeys.Restarts, 1, nameof(ResourceLimits.MaxRestarts)) ?? d.Restarts,
            o.Bool(AttackKeys.RandomStart) ?? d.RandomStart, o.Int(AttackKeys.TargetClass, min: 0),
            o.Int(AttackKeys.Queries, 1, nameof(ResourceLimits.MaxQueries)) ?? d.Queries, Surrogate: o.ExistingFile(AttackKeys.Surrogate))
        {
            Rotation = o.Number(AttackKeys.Rotation, 0, 180),
            Translation = o.Number(AttackKeys.Translation, 0, 10_000),
        };
        if (o.Numbers(AttackKeys.Grid, 1) is { } grid)
        {
            if (grid.Count != 2 || grid.Any(v => v != Math.Floor(v)))
                throw o.Fail(AttackKeys.Grid, "grid must be [rotations, translations per axis], two whole numbers >= 1");
            // Every point of the grid is one query per example and budget: bounded like a query budget.
            var points = grid[0] * grid[1] * grid[1];
            ResourceLimits.Check((long)Math.Min(points, long.MaxValue), ResourceLimits.Of(nameof(ResourceLimits.MaxQueries)), AttackKeys.Grid, o.File, o.LineOf(AttackKeys.Grid));
            settings = settings with { GridRotations = (int)grid[0], GridTranslations = (int)grid[1] };
        }
        if (attack.Keys.Contains(AttackKeys.Surrogate) && settings.Surrogate is null)
            throw o.Fail(null, $"a {name} attack needs a \"surrogate\" model to craft examples on");
        var id = o.String("id", name);
        // "all", "all-linf" and "all-l2" name the worst case over the attacks; an attack of that id would shadow it.
        if (WorstCase.IsWorstCaseId(id)) throw o.Fail(o.Has("id") ? "id" : "attack", $"attack id '{UntrustedText.Escape(id)}' is reserved for the worst case over attacks; give this attack another \"id\"");
        return new AttackConfig(id, name, epsilons, settings, o.Line);
    }

    private static CheckConfig ReadCheck(ConfigSection o, IScanCheck check, string nameKey)
    {
        o.RejectUnknown(new[] { "id", nameKey }.Concat(check.Keys.Select(k => k.Name)));
        return new CheckConfig(o.String("id", check.Name), check.Name, check.Configure(o), o.Line);
    }

    private static GateConfig ReadGate(ConfigSection o, ScanRegistry registry, IReadOnlyList<AttackConfig> attacks, IReadOnlyList<CheckConfig> checks, int index)
    {
        var budgetKeys = registry.Metrics.Select(m => m.BudgetKey).Concat(registry.Metrics.Select(m => m.LabelKey)).OfType<string>().Distinct();
        o.RejectUnknown(GateKeys.Concat(budgetKeys));
        var name = o.RequiredString("metric");
        var metric = registry.Metric(name) ?? throw o.Fail("metric", $"unknown metric '{UntrustedText.Escape(name)}'; expected one of {List(registry.Metrics.Select(m => m.Name))}");
        var sourceKey = o.Has("check") ? "check" : "attack";
        var source = o.String(sourceKey);
        double? budget = null;
        string? label = null;
        if (metric == ScanMetrics.CleanAccuracy)
        {
            if (source is not null) throw o.Fail(sourceKey, "a cleanAccuracy gate judges the whole scan; it takes no \"attack\" or \"check\"");
        }
        else if (ScanRegistry.IsAttackMetric(metric))
        {
            if (source is null && metric != ScanMetrics.RuntimeDisagreement)
                throw o.Fail(null, $"a {name} gate needs \"attack\" (the id of an attack in this config)");
            if (source is not null)
            {
                budget = ReadBudget(o, metric, source, WorstCaseBudgets(attacks, source) ?? (attacks.FirstOrDefault(a => a.Id == source)
                    ?? throw o.Fail(sourceKey, $"gate refers to attack '{UntrustedText.Escape(source)}', which the config does not define (ids: {UntrustedText.Escape(string.Join(", ", attacks.Select(a => a.Id).Concat(WorstCaseIds(attacks))))})")).Epsilons);
            }
        }
        else
        {
            var providers = checks.Where(c => registry.Check(c.Check)!.Metrics.Contains(metric)).ToList();
            var target = source is null
                ? providers.Count == 1 ? providers[0] : throw o.Fail(null, providers.Count == 0
                    ? $"no check in this config reports {name}"
                    : $"several checks report {name} ({UntrustedText.Escape(string.Join(", ", providers.Select(c => c.Id)))}); name one with \"check\"")
                : checks.FirstOrDefault(c => c.Id == source) ?? throw o.Fail(sourceKey, $"gate refers to check '{UntrustedText.Escape(source)}', which the config does not define (ids: {UntrustedText.Escape(string.Join(", ", checks.Select(c => c.Id)))})");
            if (!providers.Contains(target)) throw o.Fail(sourceKey, $"check '{UntrustedText.Escape(target.Id)}' ({target.Check}) does not report {name}");
            source = target.Id;
            budget = metric.AggregatesBudgets && metric.BudgetKey is { } key && !o.Has(key) ? null : ReadBudget(o, metric, source, target.Settings.Budgets);
            label = ReadLabel(o, metric, source, target.Settings.GateLabels);
        }
        // A selector key of another metric would be ignored, and the gate judge something the user did not mean.
        foreach (var other in registry.Metrics.Select(m => m.LabelKey).OfType<string>().Distinct())
            if (other != metric.LabelKey && o.Has(other))
                throw o.Fail(other, $"a {name} gate takes no \"{other}\"");
        double? Threshold(string key) => metric.ThresholdIsFraction ? o.Number(key, 0, 1) : metric.Unit == MetricUnit.Count ? o.Number(key, min: 0) : o.Number(key);
        double? min = Threshold("min"), max = Threshold("max");
        if ((min is null) == (max is null)) throw o.Fail(null, "a gate needs exactly one of \"min\" and \"max\"");
        var bound = o.Choice("bound", ["point", "confidence"]) == "confidence" ? GateBound.Confidence : GateBound.Point;
        var id = o.String("id") ?? $"{name}{(source is null ? "" : "-" + source)}{(label is null ? "" : ":" + label)}{(budget is null ? "" : string.Create(CultureInfo.InvariantCulture, $"@{budget}"))}#{index}";
        return new GateConfig(id, name, source, budget, min, max, bound, o.Line) { Label = label };
    }

    /// <summary>The label a gate names (with the metric's label key), which the source must report; null when none is named.</summary>
    private static string? ReadLabel(ConfigSection o, MetricDefinition metric, string source, IReadOnlyList<string> labels)
    {
        if (metric.LabelKey is not { } key || o.String(key) is not { } label) return null;
        return labels.Contains(label) ? label
            : throw o.Fail(key, $"'{UntrustedText.Escape(source)}' does not report {key} '{UntrustedText.Escape(label)}'; it reports {string.Join(", ", labels)}");
    }

    /// <summary>The ids of the worst case over attacks this config can gate: "all", or "all-linf" and "all-l2" with both norms.</summary>
    private static IEnumerable<string> WorstCaseIds(IReadOnlyList<AttackConfig> attacks) =>
        attacks.Select(a => WorstCase.IdFor(a.Norm, attacks.Select(x => x.Norm))).Distinct();

    /// <summary>For a gate on the worst case over attacks, the union of the budgets of the attacks it covers; null for any other source.</summary>
    private static IReadOnlyList<double>? WorstCaseBudgets(IReadOnlyList<AttackConfig> attacks, string source)
    {
        if (!WorstCase.IsWorstCaseId(source) || attacks.Any(a => a.Id == source)) return null;
        var covered = attacks.Where(a => WorstCase.IdFor(a.Norm, attacks.Select(x => x.Norm)) == source).ToList();
        return covered.Count == 0 ? null : covered.SelectMany(a => a.Epsilons).Distinct().Order().ToList();
    }

    /// <summary>The budget a gate names (with the metric's budget key), which the source must run; its largest when none is named.</summary>
    private static double? ReadBudget(ConfigSection o, MetricDefinition metric, string source, IReadOnlyList<double> budgets)
    {
        if (metric.BudgetKey is not { } key || budgets.Count == 0) return null;
        if (o.Number(key) is not { } budget) return budgets.Max();
        return budgets.Contains(budget) ? budget
            : throw o.Fail(key, string.Create(CultureInfo.InvariantCulture, $"'{UntrustedText.Escape(source)}' does not run at {key} {budget}; its budgets are {string.Join(", ", budgets)}"));
    }

    private static string List(IEnumerable<string> names) => string.Join(", ", names.Order(StringComparer.Ordinal));

    private static int? NullIfZero(int line) => line > 0 ? line : null;
}
