using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace AdvScan.Data;

/// <summary>
/// MNIST's IDX format: a big-endian header (two zero bytes, a type byte, the rank, then one uint32 per dimension)
/// followed by row-major data. Only unsigned bytes (type 0x08) are read: images of rank 3 [N,H,W], labels of rank 1.
/// </summary>
internal sealed class IdxFile : IDisposable
{
    private readonly SafeFileHandle _handle;

    private IdxFile(string path, SafeFileHandle handle, int[] dims, long dataOffset)
    {
        Path = path;
        _handle = handle;
        Dims = dims;
        DataOffset = dataOffset;
    }

    public string Path { get; }
    public int[] Dims { get; }
    public long DataOffset { get; }

    /// <summary>
    /// Opens <paramref name="path"/> (links followed, a regular file checked before the open) and checks its header:
    /// the dimensions' product must not overflow and must fit in the file, images must be within
    /// <see cref="ResourceLimits.MaxImagePixels"/> and the count within <see cref="ResourceLimits.MaxExamples"/>.
    /// </summary>
    public static IdxFile Open(string path, int expectedRank, string what)
    {
        var handle = DataFiles.OpenHandle(path, path);
        try
        {
            long length = RandomAccess.GetLength(handle);
            var magic = new byte[4];
            if (length < 4 || RandomAccess.Read(handle, magic, 0) < 4 || magic[0] != 0 || magic[1] != 0)
                throw new InvalidInputException(path, $"is not an IDX file (bad magic number; gzip-compressed files must be unpacked first)");
            if (magic[2] != 0x08)
                throw new InvalidInputException(path, $"holds IDX element type 0x{magic[2]:x2}; AdvScan reads unsigned bytes (0x08)");
            if (magic[3] != expectedRank)
                throw new InvalidInputException(path, $"has rank {magic[3]}, but IDX {what} have rank {expectedRank}");
            var dimBytes = new byte[4 * expectedRank];
            if (RandomAccess.Read(handle, dimBytes, 4) < dimBytes.Length) throw new InvalidInputException(path, "is truncated inside the IDX header");
            var dims = new int[expectedRank];
            for (int i = 0; i < expectedRank; i++)
            {
                uint d = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.AsSpan(4 * i));
                if (d > int.MaxValue) throw new InvalidInputException(path, $"declares dimension {d} at offset {4 + 4 * i}, which is too large");
                dims[i] = (int)d;
            }
            long offset = 4 + dimBytes.Length;
            long payload = DataFiles.Product(dims.Select(d => (long)d).ToList(), 1, path, "IDX header at offset 4");
            if (payload > length - offset)
                throw new InvalidInputException(path, $"is truncated: dimensions [{string.Join(", ", dims)}] need {payload} bytes from offset {offset}, the file has {length - offset}");
            ResourceLimits.Check(dims[0], ResourceLimits.Current.MaxExamples, "maxExamples", $"the number of {what}", path);
            if (expectedRank == 3 && DataFiles.PixelProblem(dims[2], dims[1]) is { } tooLarge)
                throw new InvalidInputException(path, $"dimensions [{string.Join(", ", dims)}]: {tooLarge}");
            return new IdxFile(path, handle, dims, offset);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Read(long first, Span<byte> destination) => RandomAccess.Read(_handle, destination, DataOffset + first);

    public void Dispose() => _handle.Dispose();
}

/// <summary>IDX images [N,H,W] of unsigned bytes, as one gray channel.</summary>
internal sealed class IdxImages(IdxFile file) : IPixelArray
{
    public string Name => file.Path;
    public int Count => file.Dims[0];
    public ImageGeometry Geometry { get; } = new(1, file.Dims[1], file.Dims[2]);

    public float[] Read(int index)
    {
        int per = Geometry.PixelsPerImage;
        var raw = new byte[per];
        file.Read((long)index * per, raw);
        var pixels = new float[per];
        for (int i = 0; i < per; i++) pixels[i] = raw[i] / 255f;
        return pixels;
    }

    public void Dispose() => file.Dispose();
}
