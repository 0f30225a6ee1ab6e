using AdvScan.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace AdvScan.MLNet;

/// <summary>
/// The image and label columns the step reads, checked against the model's input before any row is read, and the rows
/// turned back into [0,1] CHW pixels (undoing ExtractPixels' scale, offset and interleave) with 0-based labels.
/// </summary>
internal sealed record PipelineColumns(string Image, string Label, InputSpec Spec, RobustnessScanOptions Options)
{
    public int Channels => Spec.Channels;
    public int Height => Spec.Height ?? throw new InvalidOperationException("the model's input has no fixed height");
    public int Width => Spec.Width ?? throw new InvalidOperationException("the model's input has no fixed width");
    public int VectorSize => Channels * Height * Width;

    /// <summary>Rejects a missing column, a wrong type or a wrong vector size, naming the column; a missing label only when required (serving data has none).</summary>
    public void Check(DataViewSchema schema, bool labelRequired = true)
    {
        var image = schema.GetColumnOrNull(Image) ?? throw Mismatch(Image, "the column is missing");
        if (image.Type is ImageDataViewType picture)
        {
            if (Channels is not (1 or 3)) throw Mismatch(Image, $"an image column feeds only 1- or 3-channel models, this one takes {Channels}; use ExtractPixels");
            if (picture.Height != 0 && (picture.Height != Height || picture.Width != Width))
                throw Mismatch(Image, $"expected {Width}x{Height} images (the model's input; resize with ResizeImages), got {picture.Width}x{picture.Height}");
        }
        else if (image.Type is not VectorDataViewType { ItemType: NumberDataViewType n } vector || n != NumberDataViewType.Single)
            throw Mismatch(Image, $"expected a vector of Single (from ExtractPixels) or an image (MLImage), got {image.Type}");
        else if (vector.Size != VectorSize)
            throw Mismatch(Image, $"expected {VectorSize} values ({Channels}x{Height}x{Width}, the model's input), got {(vector.Size == 0 ? "a variable size" : vector.Size.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        var found = schema.GetColumnOrNull(Label);
        if (found is null && !labelRequired) return;
        var label = found ?? throw Mismatch(Label, "the column is missing");
        if (label.Type is not KeyDataViewType { RawType: var raw } || raw != typeof(uint))
            if (label.Type != NumberDataViewType.Int32) throw Mismatch(Label, $"expected a key (UInt32) or Int32 class index, got {label.Type}");
    }

    /// <summary>The same check on ML.NET's schema shape (no vector sizes there; sizes are checked on the data's schema at Fit).</summary>
    public void Check(SchemaShape shape, bool labelRequired = true)
    {
        var image = Find(shape, Image);
        bool picture = image.Kind == SchemaShape.Column.VectorKind.Scalar && image.ItemType is ImageDataViewType;
        if (!picture && (image.Kind != SchemaShape.Column.VectorKind.Vector || image.ItemType != NumberDataViewType.Single))
            throw Mismatch(Image, $"expected a known-size vector of Single (from ExtractPixels) or an image (MLImage), got {image.Kind} of {image.ItemType}");
        if (!labelRequired && !shape.Any(c => c.Name == Label)) return;
        var label = Find(shape, Label);
        if (!(label.IsKey && label.ItemType.RawType == typeof(uint)) && label.ItemType != NumberDataViewType.Int32)
            throw Mismatch(Label, $"expected a key (UInt32) or Int32 class index, got {label.ItemType}");
    }

    /// <summary>Every row's [0,1] CHW pixels and 0-based label, in row order.</summary>
    public (float[][] Pixels, int[] Labels) Read(IDataView data, CancellationToken cancellationToken)
    {
        Check(data.Schema);
        var imageColumn = data.Schema[Image];
        var labelColumn = data.Schema[Label];
        bool key = labelColumn.Type is KeyDataViewType;
        var pixels = new List<float[]>();
        var labels = new List<int>();
        using var cursor = data.GetRowCursor([imageColumn, labelColumn]);
        var getPixels = PixelReader(cursor, imageColumn);
        ValueGetter<uint>? getKey = key ? cursor.GetGetter<uint>(labelColumn) : null;
        ValueGetter<int>? getInt = key ? null : cursor.GetGetter<int>(labelColumn);
        while (cursor.MoveNext())
        {
            cancellationToken.ThrowIfCancellationRequested();
            pixels.Add(getPixels());
            int label;
            if (getKey is not null)
            {
                uint k = 0;
                getKey(ref k);
                // Key 0 is ML.NET's missing value; keys are 1-based class indices.
                if (k == 0) throw new InvalidInputException($"column '{Label}'", "row has a missing key label", checked((int)cursor.Position + 1));
                label = checked((int)k - 1);
            }
            else
            {
                int v = 0;
                getInt!(ref v);
                label = v;
            }
            if (label < 0) throw new InvalidInputException($"column '{Label}'", $"label {label} is negative", checked((int)cursor.Position + 1));
            labels.Add(label);
        }
        return (pixels.ToArray(), labels.ToArray());
    }

    /// <summary>Every row's [0,1] CHW pixels, in row order, from a data view that need not have the label (STRIP calibration data).</summary>
    public float[][] ReadImages(IDataView data, CancellationToken cancellationToken)
    {
        Check(data.Schema, labelRequired: false);
        var imageColumn = data.Schema[Image];
        var pixels = new List<float[]>();
        using var cursor = data.GetRowCursor([imageColumn]);
        var getPixels = PixelReader(cursor, imageColumn);
        while (cursor.MoveNext())
        {
            cancellationToken.ThrowIfCancellationRequested();
            pixels.Add(getPixels());
        }
        return pixels.ToArray();
    }

    /// <summary>Reads the current row's [0,1] CHW pixels from the image column (a pixel vector or an MLImage) of a cursor.</summary>
    public Func<float[]> PixelReader(DataViewRow row, DataViewSchema.Column column)
    {
        if (column.Type is ImageDataViewType)
        {
            var getImage = row.GetGetter<MLImage>(column);
            MLImage? image = null;
            return () =>
            {
                getImage(ref image!);
                return ImagePixels.ToPixels(image, Channels, Height, Width, Image, row.Position);
            };
        }
        var getVector = row.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        return () =>
        {
            getVector(ref buffer);
            return ToPixels(buffer.DenseValues().ToArray(), row.Position);
        };
    }

    /// <summary>
    /// Undoes ExtractPixels: value = (byte - offset) * scale, in HWC order when interleaved. From an 8-bit source a level
    /// outside 0..255 means Scale or Offset do not match what ExtractPixels was given (0..255 values read at scale 1/255,
    /// say); clamping would silently binarise the images, so it is refused, naming the row.
    /// </summary>
    public float[] ToPixels(float[] values, long position = -1)
    {
        int plane = Height * Width;
        float scale = Options.Scale ?? Spec.Scale / 255f;
        var result = new float[values.Length];
        for (int c = 0; c < Channels; c++)
            for (int p = 0; p < plane; p++)
            {
                float v = values[Options.Interleave ? p * Channels + c : c * plane + p];
                float level = v / scale + Options.Offset;
                if (Options.EightBitSource && !(level >= -0.5f && level <= 255.5f))
                    throw new InvalidInputException($"column '{Image}'", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"value {v} is 8-bit level {level:0.#} at Scale {scale} and Offset {Options.Offset}, outside 0..255: set Scale and Offset to ExtractPixels' scaleImage and offsetImage"),
                        position >= 0 ? checked((int)position + 1) : null);
                result[c * plane + p] = Options.EightBitSource ? Math.Clamp(MathF.Round(level), 0f, 255f) / 255f : level / 255f;
            }
        return result;
    }

    private static SchemaShape.Column Find(SchemaShape shape, string name)
    {
        foreach (var column in shape)
            if (column.Name == name) return column;
        throw Mismatch(name, "the column is missing");
    }

    private static InvalidOperationException Mismatch(string column, string problem) =>
        new($"Schema mismatch for input column '{column}': {problem}.");
}
