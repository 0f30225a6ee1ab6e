using AdvScan.Scanning;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AdvScan.MLNet;

/// <summary>
/// What <see cref="RobustnessScanEstimator.Fit(IDataView)"/> returns: the scan's <see cref="Report"/>, and a transform
/// that keeps every input column and adds, per row, the audit columns (<see cref="AdvScanColumns.AdversarialPrediction"/>,
/// <see cref="AdvScanColumns.Robust"/>, <see cref="AdvScanColumns.PerturbationNorm"/>: the audit attack run over the
/// transformed rows, only when the input has the label column) and, with a STRIP guard,
/// <see cref="AdvScanColumns.StripEntropy"/> and <see cref="AdvScanColumns.SuspectedTrigger"/>. Columns are computed
/// only when read, so scoring downstream costs nothing extra unless it asks for them.
/// </summary>
public sealed class RobustnessScanTransformer : ITransformer, IDisposable
{
    private readonly PipelineColumns columns;
    private readonly RowAudit? audit;
    private readonly string modelSha256;

    internal RobustnessScanTransformer(PipelineColumns columns, string modelSha256, ScanReport report, RowAudit? audit, StripGuard? guard)
    {
        this.columns = columns;
        this.modelSha256 = modelSha256;
        this.audit = audit;
        Report = report;
        Guard = guard;
    }

    /// <summary>The scan Fit ran: clean and robust accuracy, every check, every gate verdict.</summary>
    public ScanReport Report { get; }

    /// <summary>The STRIP guard calibrated at Fit (threshold, calibration entropies); null without <see cref="RobustnessScanOptions.StripGuard"/>.</summary>
    public StripGuard? Guard { get; }

    /// <summary>The attack id whose outcomes fill the audit columns; null when the scan ran no attack.</summary>
    public string? AuditAttack => audit?.Attack.Id;

    /// <summary>
    /// True, for PredictionEngine: without audit columns (<see cref="RobustnessScanOptions.AuditColumns"/> off, or no
    /// label in the served rows) the step maps row by row. With them <see cref="GetRowToRowMapper"/> refuses, since the
    /// audit attacks whole views in batches (seeded per batch, as the CLI does).
    /// </summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input columns and the ones this step adds (audit and STRIP columns, as configured).</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        columns.Check(inputSchema, labelRequired: false);
        return ScanDataView.OutputSchema(inputSchema, columns, audit is not null, Guard is not null);
    }

    /// <summary>The input rows, unchanged, with the step's columns computed lazily when read.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        columns.Check(input.Schema, labelRequired: false);
        return new ScanDataView(input, columns, audit, Guard);
    }

    /// <summary>A row-by-row mapper for PredictionEngine: the STRIP guard's columns (refused while audit columns would be computed).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        columns.Check(inputSchema, labelRequired: false);
        if (audit is not null && inputSchema.GetColumnOrNull(columns.Label) is not null)
            throw new NotSupportedException($"the AdvScan step's audit columns attack whole data views in batches, so it maps rows one by one only without them: " +
                $"fit it with AuditColumns = false for PredictionEngine, or serve rows without the '{columns.Label}' column; use Transform for the audit");
        return new StripRowMapper(inputSchema, columns, Guard);
    }

    /// <summary>
    /// Not saved. ML.NET 5.0.1 gives a transformer outside its own assemblies no way to write or read a model entry:
    /// every member of <see cref="ModelSaveContext"/> but Dispose is internal (SetVersionInfo, Writer, SaveBinaryStream,
    /// SaveString, SaveModel), and the load side is internal types (ModelLoadContext, VersionInfo, SignatureLoadModel,
    /// LoadableClassAttribute and its base, which ComponentCatalog.RegisterAssembly looks for). The one public route,
    /// CustomMapping with a [CustomMappingFactoryAttribute] factory, saves only the contract name and the name of the
    /// assembly holding the factory (a saved zip's Model.key holds nothing else): the factory is rebuilt
    /// with no state, so the model bytes, options and STRIP calibration could not travel inside the zip, and a per-row
    /// mapping could not run the batched audit. Save the fitted chain without this step, and this step with <see cref="Save"/>.
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("the AdvScan step cannot be saved with mlContext.Model.Save: ML.NET 5.0.1 keeps ModelSaveContext's writers, " +
            "VersionInfo, ModelLoadContext and LoadableClassAttribute internal; save the fitted chain without this step, and this step with its Save(path)");

    /// <summary>
    /// Saves what ML.NET cannot (see <see cref="ICanSaveModel.Save"/>) to a file of its own, to keep beside the ML.NET
    /// model: the columns, the options, the scan report and the STRIP guard's calibration, bound to the ONNX model's
    /// SHA-256. <see cref="AdvScanCatalog.LoadScanRobustness"/> reads it back into a step whose Fit neither scans nor
    /// calibrates, in any <see cref="MLContext"/>. Written atomically; a link at <paramref name="path"/> is refused.
    /// </summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        new ScanStepFile(modelSha256, columns.Image, columns.Label, columns.Options, Report, Guard is null ? null : SavedGuard.Of(Guard)).Write(path);
    }

    /// <summary>Releases the STRIP guard's ONNX Runtime session.</summary>
    public void Dispose() => Guard?.Dispose();
}
