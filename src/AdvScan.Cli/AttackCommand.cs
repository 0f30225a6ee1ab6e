using System.Diagnostics;
using System.Globalization;
using AdvScan.Attacks;
using AdvScan.Data;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Attacks;
using AdvScan.Reporting;
using ScanAttackRun = AdvScan.Scanning.Attacks.AttackRun;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Cli;

/// <summary>
/// `advscan attack`: runs one attack over a labelled dataset at one or more budgets and reports what ONNX Runtime
/// predicts on the adversarial examples. The attack itself runs through <see cref="Scanner.RunAttack"/>, the same
/// code a config-driven scan uses, so the two never disagree about what an attack measured.
/// </summary>
internal static class AttackCommand
{
    public const string Usage = """
          attack --model <model.onnx> --data <data> [--labels <labels>] --attack {ATTACKS}
                 [--norm linf|l2] [--eps E[,E2...]] [--steps K] [--step-size A] [--restarts R] [--no-random-start]
                 [--targeted T] [--surrogate <model.onnx>] [--queries Q] [--rotation D] [--translation P] [--grid R,T]
                 [--limit N] [--seed S] [--batch B]
                 [--device cpu|cuda] [--json out.json] [--save-examples DIR] [--skip-invalid] [--data-root DIR]
                 {SPEC}
              Attack the model and verify every adversarial example with ONNX Runtime: clean accuracy, and per budget
              robust accuracy and attack success (95% Wilson intervals), mean/median perturbation norm and runtime
              disagreements; transfer rate (transfer), median minimal L2 (cw), median queries (square).
              Budgets are in [0,1] pixel space (L-inf eps in [0,1]; L2 eps >= 0); defaults: --norm linf (cw: l2),
              --eps 0.3 (L2: 1.0), --steps 40 (cw: 100 Adam steps per binary-search step, --step-size
              its learning rate, default 0.1), --queries 5000, --batch 64, --seed 0. fgsm, pgd, apgd and cw are
              white-box (the model must import as a differentiable graph); square queries ONNX Runtime only;
              transfer crafts with PGD on --surrogate (same input) and tests on the model. spatial (label-only) tries
              --queries random rotations and translations (default 10, within +-30 deg and +-3 px at --eps 1, its
              default; --grid R,T adds R rotations x T x T shifts) and keeps the worst. --limit takes a seeded
              class-stratified sample. --save-examples writes clean/adversarial PNGs of broken examples and index.csv.
        """;

    public static int Run(ArgumentReader args, TextWriter output, CancellationToken cancellationToken = default)
    {
        using var services = new ServiceCollection().AddAdvScanScanner().BuildServiceProvider();
        var scanner = services.GetRequiredService<Scanner>();
        var request = Read(args, scanner);
        OutputFiles.Prepare(request.Json);
        var clock = Stopwatch.StartNew();

        var model = OnnxModel.Load(request.Model);
        OnnxModel? surrogate = null;
        if (request.Surrogate is not null)
        {
            surrogate = OnnxModel.Load(request.Surrogate);
            TransferAttack.CheckSameInput(model, surrogate);
        }
        var spec = ModelConventions.InputSpecOf(model, request.Spec);
        if (request.SaveExamples is not null && spec.Channels is not (1 or 3))
            throw new InvalidInputException(null, $"--save-examples writes grayscale or RGB PNGs, but the model's images have {spec.Channels} channels");
        using var dataset = DatasetSource.Open(request.Data, request.Labels, request.Spec, model, request.SkipInvalid, request.DataRoot);
        if (request.Settings.TargetClass is { } target && target >= dataset.ClassNames.Count)
            throw new InvalidInputException(null, $"option --targeted {target} is out of range: {model.DisplayName} has {dataset.ClassNames.Count} classes (0..{dataset.ClassNames.Count - 1})");
        request.Settings.Validate(dataset.ClassNames.Count);
        var indices = request.Limit is { } limit ? dataset.Sample(limit, request.Seed) : Enumerable.Range(0, dataset.Labels.Count).ToList();

        using var graph = scanner.NeedsGraph(request.Attack) ? ImportForWhiteBox(model, request) : null;
        // Opened after the import so that ONNX Runtime reads the engine's weight arrays instead of a copy of its own.
        using var runtime = RuntimeSessions.Open(model, request.Device, graph);
        using var examples = request.SaveExamples is null ? null : new ExampleWriter(request.SaveExamples, indices, dataset.ClassNames);
        var attackRun = new ScanAttackRun(request.Attack, request.Settings, request.Epsilons, model,
            () => graph ?? throw new InvalidOperationException("the graph was not imported"), runtime, dataset, request.Device, dataset.Read(indices, request.Batch, cancellationToken))
        { Observe = examples is null ? null : examples.Add, CancellationToken = cancellationToken };
        var result = scanner.RunAttack(request.Attack, attackRun);
        examples?.Finish();
        clock.Stop();

        var attack = scanner.Registry.Attack(request.Attack)!;
        var run = new AttackRunReport(Path.GetFileName(request.Model), model.Sha256, Path.GetFileName(Path.TrimEndingDirectorySeparator(request.Data)),
            request.Labels is null ? null : Path.GetFileName(request.Labels), spec, dataset.Labels.Count, request.Limit, indices, request.Seed,
            request.Batch, request.Device, request.Attack, attack.Access, attack.Keys, request.Settings,
            surrogate is null ? null : Path.GetFileName(request.Surrogate), surrogate?.Sha256, result, attack.Describe(request.Settings));
        PrintSummary(output, run, dataset.Description, examples, clock.Elapsed);
        if (request.Json is not null) OutputFiles.Write(request.Json, AttackRunJson.Write(run));
        return CliApp.Success;
    }

    /// <summary>Everything the command line asked for, checked before any file is opened.</summary>
    private sealed record Request(string Model, string Data, string? Labels, string Attack, IReadOnlyList<double> Epsilons, AttackSettings Settings,
        string? Surrogate, int? Limit, int Seed, int Batch, string Device, string? Json, string? SaveExamples, InputSpecOverrides Spec, bool SkipInvalid, string? DataRoot);

    /// <summary>The options that set an attack settings key (<see cref="AttackKeys"/>).</summary>
    private static readonly (string Option, string Key)[] KeyOptions =
    [
        ("--steps", AttackKeys.Steps), ("--step-size", AttackKeys.StepSize), ("--restarts", AttackKeys.Restarts), ("--no-random-start", AttackKeys.RandomStart),
        ("--targeted", AttackKeys.TargetClass), ("--queries", AttackKeys.Queries), ("--surrogate", AttackKeys.Surrogate), ("--rotation", AttackKeys.Rotation),
        ("--translation", AttackKeys.Translation), ("--grid", AttackKeys.Grid),
    ];

    private static Request Read(ArgumentReader args, Scanner scanner)
    {
        var model = args.String("--model") ?? throw new InvalidInputException(null, "missing --model (advscan attack --model m.onnx --data D --attack pgd)");
        var data = args.String("--data") ?? throw new InvalidInputException(null, "missing --data (a folder, .csv, .npz, .npy with --labels, or IDX images)");
        var known = string.Join(", ", scanner.Registry.Attacks.Select(a => a.Name).Order(StringComparer.Ordinal));
        var name = args.String("--attack") ?? throw new InvalidInputException(null, $"missing --attack ({known})");
        var attack = scanner.Registry.Attack(name) ?? throw new InvalidInputException(null, $"unknown attack '{name}'; expected one of {known}");

        var normText = args.String("--norm");
        var norm = normText is null ? attack.DefaultNorm : NormNames.Parse(normText) ?? throw new InvalidInputException(null, $"option --norm expects linf or l2, got '{normText}'");
        var supported = attack.Norms;
        if (!supported.Contains(norm))
            throw new InvalidInputException(null, $"the {name} attack does not support the {NormName(norm)} norm; use {string.Join(" or ", supported.Select(n => "--norm " + NormName(n)))}");

        // An option sets one settings key; given to an attack that does not declare that key it would silently mean nothing.
        foreach (var (option, key) in KeyOptions)
            if (args.Has(option) && !attack.Keys.Contains(key))
                throw new InvalidInputException(null, $"option {option} only applies to attacks that read \"{key}\" ({string.Join(", ", scanner.Registry.Attacks.Where(a => a.Keys.Contains(key)).Select(a => a.Name))}), not {name}");

        var epsilons = Epsilons(args.String("--eps"), norm);
        var settings = new AttackSettings(
            Norm: norm,
            Epsilon: epsilons.Max(),
            Steps: args.Int("--steps", attack.Defaults.Steps, 1, nameof(ResourceLimits.MaxSteps)),
            StepSize: args.OptionalDouble("--step-size") ?? attack.Defaults.StepSize,
            Restarts: args.Int("--restarts", attack.Defaults.Restarts, 1, nameof(ResourceLimits.MaxRestarts)),
            RandomStart: !args.Flag("--no-random-start") && attack.Defaults.RandomStart,
            TargetClass: args.OptionalInt("--targeted", min: 0),
            Queries: args.Int("--queries", attack.Defaults.Queries, 1, nameof(ResourceLimits.MaxQueries)),
            Seed: args.Int("--seed", 0));
        settings = settings with { Rotation = args.OptionalDouble("--rotation"), Translation = args.OptionalDouble("--translation") };
        if (args.String("--grid") is { } grid)
        {
            var parts = grid.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var r) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var t) || r < 1 || t < 1)
                throw new InvalidInputException(null, $"option --grid expects two whole numbers >= 1 (rotations,translations per axis), got '{UntrustedText.Escape(grid)}'");
            ResourceLimits.Check((long)r * t * t, ResourceLimits.Of(nameof(ResourceLimits.MaxQueries)), "--grid");
            settings = settings with { GridRotations = r, GridTranslations = t };
        }
        if (settings.Rotation is { } degrees && (!double.IsFinite(degrees) || degrees < 0 || degrees > 180))
            throw new InvalidInputException(null, string.Create(CultureInfo.InvariantCulture, $"option --rotation expects degrees in [0, 180], got {degrees}"));
        if (settings.Translation is { } shift && (!double.IsFinite(shift) || shift < 0 || shift > 10_000))
            throw new InvalidInputException(null, string.Create(CultureInfo.InvariantCulture, $"option --translation expects pixels in [0, 10000], got {shift}"));
        foreach (var eps in epsilons) (settings with { Epsilon = eps }).Validate();

        var surrogate = args.String("--surrogate");
        bool takesSurrogate = attack.Keys.Contains(AttackKeys.Surrogate);
        if (takesSurrogate && surrogate is null)
            throw new InvalidInputException(null, $"a {name} attack needs --surrogate <model.onnx>, a differentiable model with the same input to craft the examples on");
        settings = settings with { Surrogate = surrogate };

        var device = (args.String("--device") ?? "cpu").Trim().ToLowerInvariant();
        if (!DeviceName.IsValid(device))
            throw new InvalidInputException(null, $"option --device expects cpu or cuda, got '{device}'");
        var request = new Request(model, data, args.String("--labels"), name, epsilons, settings, surrogate,
            args.OptionalInt("--limit", 1, nameof(ResourceLimits.MaxExamples)), (int)settings.Seed, args.Int("--batch", 64, 1, nameof(ResourceLimits.MaxBatchSize)), device,
            args.String("--json"), args.String("--save-examples"), SpecOptions.Read(args), args.Flag("--skip-invalid"), args.String("--data-root"));
        args.RejectUnknown();
        return request;
    }

    private static IReadOnlyList<double> Epsilons(string? text, Norm norm)
    {
        if (text is null) return [norm == Norm.LInf ? 0.3 : 1.0];  // spatial: the whole configured range
        var values = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var eps) || !double.IsFinite(eps))
                throw new InvalidInputException(null, $"option --eps expects comma-separated numbers, got '{text}'");
            // Checked here rather than by AttackSettings so the message names the option the user typed.
            if (eps < 0 || (norm != Norm.L2 && eps > 1))
                throw new InvalidInputException(null, norm switch
                {
                    Norm.LInf => $"option --eps expects L-inf budgets in [0,1] (a fraction of the pixel range), got {part}",
                    Norm.Spatial => $"option --eps expects spatial budgets in [0,1] (a fraction of the rotation and translation range), got {part}",
                    _ => $"option --eps expects L2 budgets >= 0, got {part}",
                });
            values.Add(eps);
        }
        return values.Distinct().Order().ToList();
    }

    /// <summary>
    /// Imports the target for a white-box attack. A model with operators the engine cannot differentiate can still be
    /// attacked through ONNX Runtime, so the error says how.
    /// </summary>
    private static OnnxGraph ImportForWhiteBox(OnnxModel model, Request request)
    {
        try
        {
            var graph = OnnxGraph.Import(model, new ImportOptions(request.Device));
            model.ReleaseWeights();
            return graph;
        }
        catch (UnsupportedModelException e)
        {
            throw new InvalidInputException(model.DisplayName,
                $"uses operators AdvScan cannot differentiate: {e.Operators}, so the white-box attack '{request.Attack}' cannot run on it; " +
                "use a black-box attack instead: --attack square (queries ONNX Runtime only), or --attack transfer --surrogate <a differentiable model with the same input>",
                inner: e);
        }
    }

    private static string NormName(Norm norm) => NormNames.Of(norm);

    /// <summary>
    /// The run in words. What a budget's last line says follows what the attack declares it sees: a white-box attack's
    /// graph and ONNX Runtime can disagree, a surrogate's examples transfer or not, a query attack counts its queries.
    /// </summary>
    private static void PrintSummary(TextWriter output, AttackRunReport run, string dataDescription, ExampleWriter? examples, TimeSpan elapsed)
    {
        var c = CultureInfo.InvariantCulture;
        var s = run.Settings;
        var result = run.Result;
        string norm = AttackKeys.NormText(s.Norm);
        output.WriteLine($"model:      {run.Model} (sha256 {run.ModelSha256})");
        if (run.Surrogate is not null) output.WriteLine($"surrogate:  {run.Surrogate} (sha256 {run.SurrogateSha256})");
        output.WriteLine($"data:       {dataDescription}");
        output.WriteLine(run.Limit is null
            ? $"sample:     all {run.Sample.Count} examples"
            : $"sample:     {run.Sample.Count} of {run.DatasetSize} examples (class-stratified, seed {run.Seed})");
        output.WriteLine($"attack:     {Describe(run)}");
        output.WriteLine($"clean:      {Text(result.Curve[0].CleanAccuracy)}");
        foreach (var p in result.Curve)
        {
            output.WriteLine(string.Create(c, $"eps {p.Epsilon}:"));
            output.WriteLine($"  robust accuracy        {Text(p.RobustAccuracy)}");
            output.WriteLine($"  attack success         {Text(p.AttackSuccess)}");
            output.WriteLine(p.AttackSuccess.Successes == 0
                ? $"  perturbation ({norm,-5})   none (no example broken)"
                : string.Create(c, $"  perturbation ({norm,-5})   mean {p.MeanPerturbation:F4}, median {p.MedianPerturbation:F4} over {p.AttackSuccess.Successes} broken example(s)"));
            output.WriteLine(run.Access switch
            {
                AttackAccess.Surrogate => p.Transfer is { } t
                    ? $"  transfer rate          {Text(t)} of the examples that fooled the surrogate"
                    : "  transfer rate          n/a",
                AttackAccess.Gradients => $"  runtime disagreements  {p.RuntimeDisagreements} of {p.Attacked} attacked (differentiable graph vs ONNX Runtime)",
                _ => p.MedianQueries is { } q
                    ? string.Create(c, $"  median queries         {q:0.#} per broken example ({p.Attacked} attacked)")
                    : $"  median queries         n/a ({p.Attacked} attacked)",
            });
        }
        if (result.MedianMinimalL2 is { } minimal) output.WriteLine(string.Create(c, $"median minimal L2: {minimal:F4} (smallest fooling perturbation found, per example)"));
        output.WriteLine(string.Create(c, $"cost:       {result.GradientEvaluations} gradient evaluations, {result.Queries} ONNX Runtime queries"));
        if (examples is not null) output.WriteLine($"examples:   {examples.Written} broken example(s) written to {examples.Directory}");
        output.WriteLine(string.Create(c, $"time:       {elapsed.TotalSeconds:F1} s"));
    }

    private static string Describe(AttackRunReport run) =>
        string.Create(CultureInfo.InvariantCulture, $"{run.Attack} ({AccessWords(run.Access)}), {run.Description}, {(run.Settings.TargetClass is null ? "untargeted, " : "")}seed {run.Settings.Seed}, batch {run.BatchSize}, {run.Device}");

    private static string AccessWords(AttackAccess access) => access switch
    {
        AttackAccess.Gradients => "white-box, gradients of the model's graph",
        AttackAccess.Scores => "score-based, queries ONNX Runtime",
        AttackAccess.Labels => "label-only, queries ONNX Runtime",
        _ => "crafted on the surrogate, tested on the model",
    };

    private static string Text(Proportion p) => string.Create(CultureInfo.InvariantCulture,
        $"{p.Value,7:P2} ({p.Successes}/{p.Trials}), 95% CI [{p.Lower:P2}, {p.Upper:P2}]");
}
