using Microsoft.ML;
using Microsoft.ML.Data;

namespace AdvScan.MLNet;

/// <summary>
/// Getters of one row of the step's output over a row of its input: the input's columns are the inner row's, the
/// audit columns read the precomputed <see cref="AuditTable"/> at the row's position, and the STRIP columns score the
/// row's own pixels once, when first asked for. Shared by the data view's cursors and the row-to-row mapper.
/// </summary>
/// <param name="cursor">Whether the inner row is a cursor, whose position names the row; a mapped row (PredictionEngine) may keep one
/// position for every prediction, so its entropy is not cached.</param>
internal sealed class ScanColumnGetters(DataViewSchema inputSchema, PipelineColumns columns, StripGuard? guard, AuditTable? rows, DataViewRow inner, bool cursor)
{
    private long entropyPosition = -1;
    private double entropy;
    private Func<float[]>? pixels;

    public ValueGetter<TValue> Getter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index < inputSchema.Count) return inner.GetGetter<TValue>(inputSchema[column.Index]);
        Delegate getter = column.Name switch
        {
            AdvScanColumns.AdversarialPrediction when column.Type is KeyDataViewType key =>
                (ValueGetter<uint>)((ref uint v) => v = KeyOf(Table().AdversarialPrediction[Index()], key.Count)),
            AdvScanColumns.AdversarialPrediction => (ValueGetter<int>)((ref int v) => v = Table().AdversarialPrediction[Index()]),
            AdvScanColumns.Robust => (ValueGetter<bool>)((ref bool v) => v = Table().Robust[Index()]),
            AdvScanColumns.PerturbationNorm => (ValueGetter<float>)((ref float v) => v = Table().PerturbationNorm[Index()]),
            AdvScanColumns.StripEntropy => (ValueGetter<float>)((ref float v) => v = (float)Entropy()),
            AdvScanColumns.SuspectedTrigger => (ValueGetter<bool>)((ref bool v) => v = Entropy() < guard!.Threshold),
            _ => throw new InvalidOperationException($"column '{column.Name}' is not one the AdvScan step adds"),
        };
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}");
    }

    private AuditTable Table() => rows ?? throw new InvalidOperationException("the audit was not computed for this cursor");

    private int Index()
    {
        var table = Table();
        if (inner.Position >= table.Count)
            throw new InvalidOperationException($"row {inner.Position + 1} is past the {table.Count} rows the audit attacked; the input changed between passes");
        return checked((int)inner.Position);
    }

    /// <summary>Keys are 1-based; a class past the label's key count has no key and reads as missing (0).</summary>
    private static uint KeyOf(int cls, ulong count) => count == 0 || (ulong)cls + 1 <= count ? (uint)(cls + 1) : 0;

    /// <summary>The row's STRIP entropy, computed once per cursor position (StripEntropy and SuspectedTrigger share it).</summary>
    private double Entropy()
    {
        if (cursor && entropyPosition == inner.Position) return entropy;
        pixels ??= columns.PixelReader(inner, inputSchema[columns.Image]);
        entropy = guard!.Entropy(pixels());
        entropyPosition = inner.Position;
        return entropy;
    }
}
