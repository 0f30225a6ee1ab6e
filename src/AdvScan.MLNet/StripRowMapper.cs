using Microsoft.ML;
using Microsoft.ML.Data;

namespace AdvScan.MLNet;

/// <summary>
/// The step as a row-to-row mapping, for PredictionEngine: the input's columns and the STRIP guard's, each row scored
/// on its own. Only without audit columns, which attack whole views in batches.
/// </summary>
internal sealed class StripRowMapper : IRowToRowMapper
{
    private readonly DataViewSchema input;
    private readonly PipelineColumns columns;
    private readonly StripGuard? guard;

    public StripRowMapper(DataViewSchema input, PipelineColumns columns, StripGuard? guard)
    {
        this.input = input;
        this.columns = columns;
        this.guard = guard;
        OutputSchema = ScanDataView.OutputSchema(input, columns, audit: false, strip: guard is not null);
    }

    public DataViewSchema InputSchema => input;

    public DataViewSchema OutputSchema { get; }

    /// <summary>The input columns asked for, and the image column when a STRIP column is.</summary>
    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var needed = dependingColumns.ToList();
        var result = needed.Where(c => c.Index < input.Count).Select(c => input[c.Index]).ToList();
        if (needed.Any(c => c.Index >= input.Count)) result.Add(input[columns.Image]);
        return result.DistinctBy(c => c.Index);
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(this, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class Row(StripRowMapper mapper, DataViewRow inner, HashSet<int> active) : DataViewRow
    {
        private readonly ScanColumnGetters getters = new(mapper.input, mapper.columns, mapper.guard, null, inner, cursor: false);

        public override DataViewSchema Schema => mapper.OutputSchema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active.Contains(column.Index)) throw new InvalidOperationException($"column '{column.Name}' is not active in this row");
            return getters.Getter<TValue>(column);
        }
    }

}
