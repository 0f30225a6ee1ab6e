using System.Globalization;
using System.IO.Compression;
using Microsoft.Win32.SafeHandles;

namespace AdvScan.Data;

/// <summary>
/// The bytes of one array, read by offset: a regular file read in place, or a member of an .npz archive streamed from
/// the archive (never extracted to disk, so nothing is left behind when the process is killed). A read that runs past
/// the end is a truncated input, reported with the offset.
/// </summary>
internal abstract class ByteSource : IDisposable
{
    protected ByteSource(string name) => Name = name;

    /// <summary>For messages: the file, or "archive.npz:x".</summary>
    public string Name { get; }

    public abstract long Length { get; }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>.</summary>
    public abstract void Read(long offset, Span<byte> destination);

    public abstract void Dispose();

    protected InvalidInputException Truncated(long offset, int wanted) => new(Name, string.Create(CultureInfo.InvariantCulture,
        $"is truncated: {wanted} bytes at offset {offset} run past its end ({Length} bytes declared)"));
}

/// <summary>A regular file read in place (its handle opened by <see cref="DataFiles.OpenHandle"/>).</summary>
internal sealed class FileSource(SafeFileHandle handle, string name) : ByteSource(name)
{
    public override long Length { get; } = RandomAccess.GetLength(handle);

    public override void Read(long offset, Span<byte> destination)
    {
        int done = 0;
        while (done < destination.Length)
        {
            int n;
            try { n = RandomAccess.Read(handle, destination[done..], offset + done); }
            catch (IOException e) { throw new InvalidInputException(Name, $"cannot be read: {UntrustedText.Escape(e.Message)}", inner: e); }
            if (n <= 0) throw Truncated(offset, destination.Length);
            done += n;
        }
    }

    public override void Dispose() => handle.Dispose();
}

/// <summary>
/// One member of an .npz (zip) archive. Stored members (np.savez) are read by seeking when the entry stream allows it;
/// compressed ones (np.savez_compressed) are inflated as a forward stream, reopened from the start to go back, and
/// refused before inflating when they declare more than <see cref="ResourceLimits.MaxInflatedBytes"/>. Nothing past
/// the declared size is ever inflated. Reads are serialised on the archive, whose stream its members share.
/// </summary>
internal sealed class ZipMemberSource : ByteSource
{
    private readonly ZipArchiveEntry _entry;
    private readonly object _archiveGate;
    private Stream? _stream;
    private long _position;

    public ZipMemberSource(ZipArchiveEntry entry, object archiveGate, string name) : base(name)
    {
        _entry = entry;
        _archiveGate = archiveGate;
        var limits = ResourceLimits.Current;
        long declared = entry.Length, compressed = entry.CompressedLength;
        if (declared < 0 || compressed < 0) throw new InvalidInputException(name, "declares a negative size in the archive");
        // A member that expands is inflated as it is read: bounded by what it may inflate to. One that does not is
        // no bigger than the archive's own bytes.
        var problem = declared > compressed
            ? ResourceLimits.Problem(declared, limits.MaxInflatedBytes, "maxInflatedBytes", string.Create(CultureInfo.InvariantCulture, $"its inflated size in bytes ({compressed} compressed)"))
            : ResourceLimits.Problem(declared, limits.MaxDataBytes, "maxDataBytes", "its size in bytes");
        if (problem is not null) throw new InvalidInputException(name, problem + "; refused before inflating");
        Length = declared;
    }

    public override long Length { get; }

    public override void Read(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset > Length - destination.Length) throw Truncated(offset, destination.Length);
        lock (_archiveGate)
        {
            try
            {
                if (_stream is null || (offset < _position && !_stream.CanSeek))
                {
                    _stream?.Dispose();
                    _stream = _entry.Open();
                    _position = 0;
                }
                if (_stream.CanSeek) _stream.Position = _position = offset;
                else Skip(offset - _position);
                int done = 0;
                while (done < destination.Length)
                {
                    int n = _stream.Read(destination[done..]);
                    if (n <= 0) throw Truncated(offset, destination.Length);
                    done += n;
                }
                _position += destination.Length;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
            {
                _stream?.Dispose();
                _stream = null;
                throw new InvalidInputException(Name, $"cannot be read from the archive: {UntrustedText.Escape(e.Message)}", inner: e);
            }
        }
    }

    private void Skip(long count)
    {
        var buffer = new byte[Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            int n = _stream!.Read(buffer, 0, (int)Math.Min(count, buffer.Length));
            if (n <= 0) throw Truncated(_position, (int)Math.Min(count, int.MaxValue));
            count -= n;
            _position += n;
        }
    }

    public override void Dispose()
    {
        lock (_archiveGate)
        {
            _stream?.Dispose();
            _stream = null;
        }
    }
}
