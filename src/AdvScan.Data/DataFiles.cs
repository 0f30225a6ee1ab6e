using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace AdvScan.Data;

/// <summary>
/// The data side of the trust boundary (<see cref="TrustBoundary"/>): every path a dataset names (a manifest row, a
/// class folder, a file in one) is resolved with its links followed and must stay inside the data root, and only
/// regular files are opened, their kind checked before the open (a FIFO would block it forever, a device never end).
/// </summary>
internal static class DataFiles
{
    /// <summary>
    /// <paramref name="path"/> (absolute) with every link resolved, which must lie inside <paramref name="realRoot"/>
    /// (already resolved); otherwise the entry is refused before anything opens it, on <paramref name="file"/>'s
    /// <paramref name="line"/> and naming <paramref name="what"/> (a row, a folder entry).
    /// </summary>
    public static string Inside(string path, string realRoot, string what, string file, int? line = null)
    {
        if (path.Contains('\0')) throw new InvalidInputException(file, $"{what} contains a NUL character", line);
        string real;
        try
        {
            real = TrustBoundary.RealPath(path);
        }
        catch (InvalidInputException e)
        {
            throw new InvalidInputException(file, $"{what}: {e.Problem}", line, e);
        }
        if (!TrustBoundary.IsInside(real, realRoot))
            throw new InvalidInputException(file, $"{what} resolves to {UntrustedText.Escape(real)}, outside the data root {UntrustedText.Escape(realRoot)}; refused before opening (widen the root with \"root\" in advscan.json's data section, or --data-root)", line);
        return real;
    }

    /// <summary>The data root resolved: <paramref name="declared"/> when the caller widened it, else <paramref name="fallback"/>.</summary>
    public static string Root(string? declared, string fallback)
    {
        var root = declared ?? fallback;
        if (TrustBoundary.KindOf(TrustBoundary.RealPath(root)) != FileKind.Directory)
            throw new InvalidInputException(root, "the data root is not a folder");
        return TrustBoundary.RealPath(root);
    }

    /// <summary>Why <paramref name="real"/> (resolved) cannot be read as a data file, or null when it is a regular file.</summary>
    public static string? KindProblem(string real) => TrustBoundary.KindOf(real) switch
    {
        FileKind.Regular => null,
        FileKind.Missing => "does not exist",
        FileKind.Directory => "is a folder, not a file",
        var kind => $"is a {TrustBoundary.Describe(kind)}, not a regular file; refused",
    };

    /// <summary>
    /// Opens a data file read in place (an .npy or IDX array): links followed, a regular file checked before the open,
    /// its length within <see cref="ResourceLimits.MaxDataBytes"/>. <paramref name="name"/> names it in messages.
    /// </summary>
    public static SafeFileHandle OpenHandle(string path, string name)
    {
        if (path.Contains('\0')) throw new InvalidInputException(null, "a data path contains a NUL character");
        var real = TrustBoundary.RealPath(path);
        if (KindProblem(real) is { } problem) throw new InvalidInputException(name, problem);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(real, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(name, $"cannot be read: {UntrustedText.Escape(e.Message)}", inner: e);
        }
        try
        {
            var limits = ResourceLimits.Current;
            long length = RandomAccess.GetLength(handle);
            if (ResourceLimits.Problem(length, limits.MaxDataBytes, "maxDataBytes", "its size in bytes") is { } tooLarge)
                throw new InvalidInputException(name, tooLarge);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The product of <paramref name="dims"/>, or a located error when it overflows a 64-bit count.</summary>
    public static long Product(IReadOnlyList<long> dims, long factor, string name, string where)
    {
        try
        {
            long product = factor;
            foreach (var d in dims) product = checked(product * d);
            return product;
        }
        catch (OverflowException)
        {
            throw new InvalidInputException(name, string.Create(CultureInfo.InvariantCulture,
                $"{where}: shape ({string.Join(", ", dims)}) overflows a 64-bit byte count; refused"));
        }
    }

    /// <summary>
    /// Checks one image's declared size (rows x columns from a header) against <see cref="ResourceLimits.MaxImagePixels"/>
    /// before anything is decoded or allocated for it; returns the problem, or null.
    /// </summary>
    public static string? PixelProblem(long width, long height)
    {
        if (width < 1 || height < 1)
            return string.Create(CultureInfo.InvariantCulture, $"declares an image of {width}x{height} pixels; images must be at least 1x1");
        var pixels = (Int128)width * height;
        // Whatever the limit is raised to, an image's RGBA bytes must fit one buffer.
        if (pixels > int.MaxValue / 4)
            return string.Create(CultureInfo.InvariantCulture, $"declares an image of {width}x{height} pixels, more than one image buffer can hold");
        return ResourceLimits.Problem(pixels > long.MaxValue ? long.MaxValue : (long)pixels, ResourceLimits.Current.MaxImagePixels, "maxImagePixels",
            string.Create(CultureInfo.InvariantCulture, $"its declared size ({width}x{height}) in pixels"));
    }
}
