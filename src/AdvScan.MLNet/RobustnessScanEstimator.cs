using AdvScan.Attacks;
using AdvScan.Checks;
using AdvScan.Data;
using AdvScan.Onnx;
using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;

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

    internal RobustnessScanEstimator(string modelPath, string imageColumn, string labelColumn, RobustnessScanOptions options)
    {
        ModelPath = Path.GetFullPath(modelPath);
        Options = options;
        // The model's own conventions give the input size the pixel column must have; read once, before data flows.
        var model = OnnxModel.Load(ModelPath);
        columns = new PipelineColumns(imageColumn, labelColumn, ModelConventions.InputSpecOf(model), options);
    }

    public string ModelPath { get; }
    public RobustnessScanOptions Options { get; }

    /// <summary>Passes the schema through after checking the image and label columns' types (sizes are checked at Fit).</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        columns.Check(inputSchema);
        return inputSchema;
    }

    public RobustnessScanTransformer Fit(IDataView input) => Fit(input, null, CancellationToken.None);

    /// <summary><see cref="Fit(IDataView)"/> with progress and cancellation for long scans.</summary>
    public RobustnessScanTransformer Fit(IDataView input, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        columns.Check(input.Schema);
        var (pixels, labels) = columns.Read(input, cancellationToken);
        var geometry = new ImageGeometry(columns.Channels, columns.Height, columns.Width);
        var source = new DataViewDatasetSource($"IDataView column '{columns.Image}'", pixels, labels, geometry);
        var services = new ServiceCollection();
        services.AddSingleton<IDatasetSource>(source);
        services.AddAdvScanScanner();
        services.AddAdvScanChecks();
        using var provider = services.BuildServiceProvider();
        var scanner = provider.GetRequiredService<Scanner>();
        var config = Config(scanner.Registry);
        var report = scanner.Run(config, new ScanOptions(Options.Device), progress, cancellationToken);
        if (Options.ThrowOnFailedGate && !report.Passed) throw new RobustnessGateException(report);
        return new RobustnessScanTransformer(columns, report);
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
