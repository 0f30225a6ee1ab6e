using AdvScan.Scanning;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AdvScan.MLNet;

/// <summary>
/// What <see cref="RobustnessScanEstimator.Fit(IDataView)"/> returns: the scan's <see cref="Report"/>. As a pipeline
/// step it is a checkpoint: rows pass through unchanged (after the same column checks), so scoring downstream is not
/// altered by the scan.
/// </summary>
public sealed class RobustnessScanTransformer : ITransformer
{
    private readonly PipelineColumns columns;

    internal RobustnessScanTransformer(PipelineColumns columns, ScanReport report)
    {
        this.columns = columns;
        Report = report;
    }

    /// <summary>The scan Fit ran: clean and robust accuracy, every check, every gate verdict.</summary>
    public ScanReport Report { get; }

    public bool IsRowToRowMapper => false;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        columns.Check(inputSchema);
        return inputSchema;
    }

    public IDataView Transform(IDataView input)
    {
        columns.Check(input.Schema);
        return input;
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new NotSupportedException("the AdvScan step is not a row-to-row mapper");

    /// <summary>
    /// Not saved: ML.NET 5.0.1 keeps what a custom transformer needs to save and load itself (VersionInfo,
    /// ModelLoadContext, LoadableClassAttribute, SignatureLoadModel) internal (CS0122 when used from here), and
    /// CustomMapping saves only a contract name, not the model bytes and options. The step gates at Fit and passes rows
    /// through, so save the fitted chain without it (everything before this step).
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("saving the AdvScan step with mlContext.Model.Save is not implemented; save the pipeline without it");
}
