namespace AdvScan.Training;

/// <summary>
/// The MNIST IDX container (big-endian header, uint8 payload): images as idx3 [count, height, width] for one channel or
/// idx4 [count, channels, height, width], labels as idx1 [count]. The zoo's held-out sets are stored this way.
/// </summary>
public static class IdxFormat
{
    private const byte UnsignedByte = 0x08;

    public static void Write(ImageSet set, string imagesPath, string labelsPath)
    {
        int[] dims = set.Channels == 1 ? [set.Count, set.Height, set.Width] : [set.Count, set.Channels, set.Height, set.Width];
        var payload = new byte[set.Pixels.Length];
        for (int i = 0; i < payload.Length; i++) payload[i] = ImageSet.ToByte(set.Pixels[i]);
        WriteFile(imagesPath, dims, payload);
        WriteFile(labelsPath, [set.Count], set.Labels.Select(l => checked((byte)l)).ToArray());
    }

    /// <summary>
    /// Reads an images file and its labels file. Every structural problem (bad magic, truncated payload, count
    /// mismatch, label outside the classes) is an <see cref="InvalidInputException"/> naming the file.
    /// </summary>
    public static ImageSet Read(string imagesPath, string labelsPath, IReadOnlyList<string> classNames)
    {
        var (imageDims, pixels) = ReadFile(imagesPath);
        var (labelDims, labelBytes) = ReadFile(labelsPath);
        if (imageDims.Length is not (3 or 4))
            throw new InvalidInputException(imagesPath, $"expected an idx3 or idx4 images file, found {imageDims.Length} dimensions");
        if (labelDims.Length != 1) throw new InvalidInputException(labelsPath, $"expected an idx1 labels file, found {labelDims.Length} dimensions");
        if (labelDims[0] != imageDims[0])
            throw new InvalidInputException(labelsPath, $"holds {labelDims[0]} labels but {imagesPath} holds {imageDims[0]} images");
        int channels = imageDims.Length == 4 ? imageDims[1] : 1;
        var labels = new int[labelBytes.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = labelBytes[i];
            if (labels[i] >= classNames.Count)
                throw new InvalidInputException(labelsPath, $"label {labels[i]} of item {i} is outside the {classNames.Count} classes");
        }
        var floats = new float[pixels.Length];
        for (int i = 0; i < floats.Length; i++) floats[i] = pixels[i] / 255f;
        return new ImageSet(channels, imageDims[^2], imageDims[^1], floats, labels, classNames);
    }

    private static void WriteFile(string path, int[] dims, byte[] payload)
    {
        using var stream = File.Create(path);
        stream.Write([0, 0, UnsignedByte, (byte)dims.Length]);
        Span<byte> word = stackalloc byte[4];
        foreach (var d in dims)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(word, d);
            stream.Write(word);
        }
        stream.Write(payload);
    }

    private static (int[] Dims, byte[] Payload) ReadFile(string path)
    {
        // A regular file (links followed, kind checked before the open), no larger than the data limit: read whole.
        var bytes = TrustBoundary.ReadAllBytes(path, ResourceLimits.Current.MaxDataBytes, "IDX file");
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidInputException(path, "not an IDX file (bad magic number)");
        if (bytes[2] != UnsignedByte) throw new InvalidInputException(path, $"IDX element type 0x{bytes[2]:x2} is not unsigned byte");
        int rank = bytes[3];
        if (rank == 0 || bytes.Length < 4 + 4 * rank) throw new InvalidInputException(path, "IDX header is truncated");
        var dims = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            dims[d] = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (dims[d] <= 0) throw new InvalidInputException(path, $"IDX dimension {d} is {dims[d]}");
            // The file length bounds any honest product; one past it (or past 64 bits) is a lie, refused before it wraps.
            count = Math.Min(count * dims[d], (long)bytes.Length + 1);
        }
        int offset = 4 + 4 * rank;
        if (bytes.Length - offset != count)
            throw new InvalidInputException(path, $"IDX header promises {count} values but the file holds {bytes.Length - offset}");
        return (dims, bytes[offset..]);
    }
}
