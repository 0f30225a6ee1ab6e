using System.Buffers.Binary;

namespace AdvScan.Data;

/// <summary>
/// Images in an .npy array: uint8 (0..255) or float32 (already in [0,1]); [N,H,W] gray, or [N,H,W,C] / [N,C,H,W]
/// with C of 1 or 3. The layout is where the channel axis is; when both could be, uint8 is taken as NHWC (how image
/// libraries store pixels) and float32 as NCHW (how PyTorch does).
/// </summary>
internal sealed class NpyImages : IPixelArray
{
    private readonly NpyArray _array;
    private readonly bool _channelsLast;

    public NpyImages(NpyArray array)
    {
        _array = array;
        var s = array.Shape;
        if (array.DType is not ("u1" or "f4"))
            throw new InvalidInputException(array.Name, $"images have dtype {array.DType}; AdvScan reads uint8 (0..255) or float32 ([0,1]) pixels");
        long channels, height, width;
        if (s.Length == 3) (channels, height, width, _channelsLast) = (1, s[1], s[2], false);
        else if (s.Length == 4)
        {
            bool last = s[3] is 1 or 3, first = s[1] is 1 or 3;
            _channelsLast = last && (!first || array.DType == "u1");
            if (!last && !first)
                throw new InvalidInputException(array.Name, $"shape ({string.Join(", ", s)}) has no channel axis of size 1 or 3 (expected NHWC or NCHW)");
            (channels, height, width) = _channelsLast ? (s[3], s[1], s[2]) : (s[1], s[2], s[3]);
        }
        else throw new InvalidInputException(array.Name, $"shape ({string.Join(", ", s)}) is not a batch of images (expected [N,H,W], NHWC or NCHW)");
        // Bounded before any example is read: the pixels of one image, and the examples (each label is held in memory).
        if (DataFiles.PixelProblem(width, height) is { } tooLarge) throw new InvalidInputException(array.Name, $"shape ({string.Join(", ", s)}): {tooLarge}");
        ResourceLimits.Check(s[0], ResourceLimits.Current.MaxExamples, "maxExamples", "the number of images", array.Name);
        Geometry = new ImageGeometry((int)channels, (int)height, (int)width);
        Count = (int)s[0];
    }

    public string Name => _array.Name;
    public int Count { get; }
    public ImageGeometry Geometry { get; }

    public float[] Read(int index)
    {
        int per = Geometry.PixelsPerImage;
        var raw = new byte[per * _array.ItemSize];
        _array.ReadRaw((long)index * per, raw);
        var stored = new float[per];
        if (_array.DType == "u1")
            for (int i = 0; i < per; i++) stored[i] = raw[i] / 255f;
        else
            for (int i = 0; i < per; i++)
            {
                float v = BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * i));
                // A float array of 0..255 values is the usual mistake; saying so beats silently saturating the model.
                if (!(v >= 0f && v <= 1f))
                    throw new InvalidInputException($"{Name}[{index}]", $"float32 pixel value {v} is outside [0,1] (divide 0..255 data by 255, or save it as uint8)");
                stored[i] = v;
            }
        if (!_channelsLast || Geometry.Channels == 1) return stored;
        int c = Geometry.Channels, plane = Geometry.Height * Geometry.Width;
        var chw = new float[per];
        for (int p = 0; p < plane; p++)
            for (int k = 0; k < c; k++)
                chw[k * plane + p] = stored[p * c + k];
        return chw;
    }

    public void Dispose() => _array.Dispose();
}
