using Microsoft.ML;
using Microsoft.ML.Data;

namespace AdvScan.MLNet;

/// <summary>
/// The transformed data view: the input's columns unchanged, then the audit columns (when the input has the label)
/// and the STRIP columns (when a guard was calibrated). Lazy as ML.NET views are: the audit attack runs once, over
/// every row, the first time a cursor asks for an audit column, and is cached for this view; a STRIP entropy is
/// computed per row when asked for. Not shuffleable (ML.NET then shuffles downstream), so a row's position is its
/// index in the audit.
/// </summary>
internal sealed class ScanDataView : IDataView
{
    private readonly IDataView input;
    private readonly PipelineColumns columns;
    private readonly RowAudit? audit;
    private readonly StripGuard? guard;
    private readonly Lazy<AuditTable> table;
    private readonly int first;

    public ScanDataView(IDataView input, PipelineColumns columns, RowAudit? audit, StripGuard? guard)
    {
        this.input = input;
        this.columns = columns;
        this.audit = audit;
        this.guard = guard;
        Schema = OutputSchema(input.Schema, columns, audit is not null, guard is not null);
        first = input.Schema.Count;
        table = new Lazy<AuditTable>(() =>
        {
            var (pixels, labels) = columns.Read(input, CancellationToken.None);
            return audit!.Run(pixels, labels, CancellationToken.None);
        });
    }

    /// <summary>The input's columns, then the step's: AdversarialPrediction in the label's type (annotations included), Robust, PerturbationNorm; StripEntropy, SuspectedTrigger.</summary>
    public static DataViewSchema OutputSchema(DataViewSchema input, PipelineColumns columns, bool audit, bool strip)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        if (audit && input.GetColumnOrNull(columns.Label) is { } label)
        {
            builder.AddColumn(AdvScanColumns.AdversarialPrediction, label.Type, label.Annotations);
            builder.AddColumn(AdvScanColumns.Robust, BooleanDataViewType.Instance);
            builder.AddColumn(AdvScanColumns.PerturbationNorm, NumberDataViewType.Single);
        }
        if (strip)
        {
            builder.AddColumn(AdvScanColumns.StripEntropy, NumberDataViewType.Single);
            builder.AddColumn(AdvScanColumns.SuspectedTrigger, BooleanDataViewType.Instance);
        }
        return builder.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        var added = needed.Where(i => i >= first).Select(i => Schema[i].Name).ToHashSet();
        var inputNeeded = needed.Where(i => i < first).Select(i => input.Schema[i]).ToList();
        bool strip = added.Contains(AdvScanColumns.StripEntropy) || added.Contains(AdvScanColumns.SuspectedTrigger);
        if (strip) inputNeeded.Add(input.Schema[columns.Image]);
        bool audited = added.Any(n => n is AdvScanColumns.AdversarialPrediction or AdvScanColumns.Robust or AdvScanColumns.PerturbationNorm);
        var rows = audited ? table.Value : null;
        return new Cursor(this, input.GetRowCursor(inputNeeded.DistinctBy(c => c.Index)), needed, rows);
    }

    /// <summary>One cursor: the audit is one pass, and STRIP scores rows one at a time anyway.</summary>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(ScanDataView view, DataViewRowCursor inner, HashSet<int> active, AuditTable? rows) : DataViewRowCursor
    {
        private readonly ScanColumnGetters getters = new(view.input.Schema, view.columns, view.guard, rows, inner, cursor: true);

        public override DataViewSchema Schema => view.Schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);
        public override bool MoveNext() => inner.MoveNext();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active.Contains(column.Index)) throw new InvalidOperationException($"column '{column.Name}' is not active in this cursor");
            return getters.Getter<TValue>(column);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
