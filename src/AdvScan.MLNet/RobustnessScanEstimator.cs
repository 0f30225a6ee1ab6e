using AdvScan.Attacks;
using AdvScan.Checks;
using AdvScan.Data;
using AdvScan.Onnx;
using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AdvScan.MLNet;

/// <summary>
/// The scan step of an ML.NET pipeline. Implemented on <see cref="IEstimator{TTransformer}"/> directly because ML.NET's
/// own trivial-estimator base classes are internal. <see cref="Fit(IDataView)"/> reads the pipeline's pixel and label columns,
/// runs <see cref="Scanner.Run"/> (the CLI's scan, with the CLI's attacks, checks and gates) and throws
/// <see cref="RobustnessGateException"/> on a failed gate.
/// </summary>
public sealed class RobustnessScanEstimator : IEstimator<RobustnessScanTransformer>
{
    private readonly PipelineColumns columns;
    private readonly string modelSha256;
    private readonly ScanStepFile? saved;
    private readonly string? stepFile;

    internal RobustnessScanEstimator(string modelPath, string imageColumn, string labelColumn, RobustnessScanOptions options)
    {
        ModelPath = Path.GetFullPath(modelPath);
        Options = options;
        // The model's own conventions give the input size the pixel column must have; read once, before data flows.
        var model = OnnxModel.Load(ModelPath);
        modelSha256 = model.Sha256;
        columns = new PipelineColumns(imageColumn, labelColumn, ModelConventions.InputSpecOf(model), options);
    }

    /// <summary>The step as saved by <see cref="RobustnessScanTransformer.Save"/>: Fit neither scans nor calibrates.</summary>
    internal RobustnessScanEstimator(string modelPath, string stepFile)
    {
        ModelPath = Path.GetFullPath(modelPath);
        var model = OnnxModel.Load(ModelPath);
        modelSha256 = model.Sha256;
        saved = ScanStepFile.Read(stepFile, model.Sha256);
        this.stepFile = stepFile;
        Options = saved.Options;
        columns = new PipelineColumns(saved.ImageColumn, saved.LabelColumn, ModelConventions.InputSpecOf(model), Options);
    }

    /// <summary>The ONNX model scanned, as a full path.</summary>
    public string ModelPath { get; }

    /// <summary>What Fit runs: the config or the one attack and gate, the STRIP guard, the pixel conventions.</summary>
    public RobustnessScanOptions Options { get; }

    /// <summary>
    /// The input columns after checking the image and label columns' types (sizes are checked at Fit), then the columns
    /// the fitted step adds: the audit columns when an attack is configured, the STRIP columns with a guard.
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        columns.Check(inputSchema);
        // SchemaShape.Column's constructor and SchemaShape.Create are internal, so the new columns' shapes come from public
        // estimators' own shape propagation: CopyColumns gives the label's exact shape (key and key values included), and
        // CustomMapping the shapes of a class's fields. Neither is fitted or run.
        var ml = new MLContext();
        var shape = inputSchema;
        if (HasAudit)
        {
            shape = ml.Transforms.CopyColumns(AdvScanColumns.AdversarialPrediction, columns.Label).GetOutputSchema(shape);
            shape = ml.Transforms.CustomMapping<NoColumns, AuditShape>((_, _) => { }, null).GetOutputSchema(shape);
        }
        if (Options.StripGuard is not null || saved?.Guard is not null)
            shape = ml.Transforms.CustomMapping<NoColumns, StripShape>((_, _) => { }, null).GetOutputSchema(shape);
        return shape;
    }

    private sealed class NoColumns;

    private sealed class AuditShape
    {
        public bool Robust { get; set; }
        public float PerturbationNorm { get; set; }
    }

    private sealed class StripShape
    {
        public float StripEntropy { get; set; }
        public bool SuspectedTrigger { get; set; }
    }

    /// <summary>Whether the scan runs an attack, whose per-row outcomes then fill the audit columns.</summary>
    private bool HasAudit => Options.AuditColumns && (Options.ConfigPath is null || Compose((scanner, config) => config.Attacks.Count > 0));

    /// <summary>Runs the scan over <paramref name="input"/> (or, for a loaded step, restores it) and throws <see cref="RobustnessGateException"/> on a failed gate.</summary>
    public RobustnessScanTransformer Fit(IDataView input) => Fit(input, null, CancellationToken.None);

    /// <summary><see cref="Fit(IDataView)"/> with progress and cancellation for long scans.</summary>
    public RobustnessScanTransformer Fit(IDataView input, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var geometry = new ImageGeometry(columns.Channels, columns.Height, columns.Width);
        if (saved is not null) return Restore(input, geometry);
        columns.Check(input.Schema);
        var (pixels, labels) = columns.Read(input, cancellationToken);
        var source = new DataViewDatasetSource($"IDataView column '{columns.Image}'", pixels, labels, geometry);
        var (report, config) = Compose((scanner, config) => (scanner.Run(config, new ScanOptions(Options.Device), progress, cancellationToken), config), source);
        if (Options.ThrowOnFailedGate && !report.Passed) throw new RobustnessGateException(report);
        var audit = !Options.AuditColumns || config.Attacks.Count == 0 ? null : new RowAudit(ModelPath, config, AuditAttackOf(config), geometry);
        StripGuard? guard = null;
        if (Options.StripGuard is { } strip)
        {
            var clean = strip.CalibrationData is { } calibration ? columns.ReadImages(calibration, cancellationToken) : pixels;
            guard = StripGuard.Calibrate(ModelPath, config, clean, geometry, strip);
        }
        return new RobustnessScanTransformer(columns, modelSha256, report, audit, guard);
    }

    /// <summary>The saved step: its report and guard as saved; only the audit (which attacks the rows it is given) is rebuilt from the options.</summary>
    private RobustnessScanTransformer Restore(IDataView input, ImageGeometry geometry)
    {
        columns.Check(input.Schema, labelRequired: false);
        var config = Compose((_, config) => config);
        var audit = !Options.AuditColumns || config.Attacks.Count == 0 ? null : new RowAudit(ModelPath, config, AuditAttackOf(config), geometry);
        var guard = saved!.Guard is { } g ? StripGuard.Restore(ModelPath, config, geometry, g, stepFile!) : null;
        return new RobustnessScanTransformer(columns, modelSha256, saved.Report, audit, guard);
    }

    /// <summary>The scanner (with the pipeline's rows as its data source when given) and the config it runs.</summary>
    private T Compose<T>(Func<Scanner, ScanConfig, T> use, IDatasetSource? source = null)
    {
        var services = new ServiceCollection();
        if (source is not null) services.AddSingleton(source);
        services.AddAdvScanScanner();
        services.AddAdvScanChecks();
        using var provider = services.BuildServiceProvider();
        var scanner = provider.GetRequiredService<Scanner>();
        return use(scanner, Config(scanner.Registry));
    }

    private AttackConfig AuditAttackOf(ScanConfig config)
    {
        if (Options.AuditAttack is not { } id) return config.Attacks[0];
        return config.Attacks.FirstOrDefault(a => a.Id == id)
            ?? throw new InvalidInputException(Options.ConfigPath, $"audit attack '{id}' is not one of the scan's attacks ({string.Join(", ", config.Attacks.Select(a => a.Id))})");
    }

    /// <summary>The config: the advscan.json's attacks, checks and gates when given, else one attack and its gate from the options.</summary>
    private ScanConfig Config(ScanRegistry registry)
    {
        var data = new DataConfig($"IDataView:{columns.Image}");
        if (Options.ConfigPath is { } path)
            return ScanConfigReader.Load(path, registry) with { Model = ModelPath, Data = data, Device = Options.Device };
        var attack = registry.Attack(Options.Attack) ?? throw new InvalidInputException(null, $"attack '{Options.Attack}' is not registered");
        var settings = AttackSettings.DefaultsOf(attack, Options.Epsilon, Options.Seed);
        if (Options.Norm is { } norm)
            settings = settings with { Norm = NormNames.Parse(norm) ?? throw new InvalidInputException(null, $"norm must be linf or l2, got '{norm}'") };
        if (Options.Steps is { } steps) settings = settings with { Steps = steps };
        var attackConfig = new AttackConfig(Options.Attack, Options.Attack, [Options.Epsilon], settings);
        var gates = Options.MinRobustAccuracy is { } min
            ? new[] { new GateConfig("minRobustAccuracy", "robustAccuracy", Options.Attack, Options.Epsilon, min, null, GateBound.Confidence) }
            : [];
        return new ScanConfig
        {
            Model = ModelPath, Data = data, SampleSize = Options.SampleSize, Seed = Options.Seed, Device = Options.Device,
            BatchSize = Options.BatchSize, Attacks = [attackConfig], Gates = gates,
        };
    }
}
