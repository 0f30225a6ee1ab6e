using System.Runtime.InteropServices;

namespace AdvScan;

/// <summary>What a path names on disk, read without following a link at its last component.</summary>
public enum FileKind { Missing, Regular, Directory, Link, Fifo, CharacterDevice, BlockDevice, Socket, Other }

/// <summary>
/// AdvScan's trust boundary, in one place. Models, data, manifests and configs may come from an attacker, so:
/// <list type="bullet">
/// <item>Reads: a path that an input names (a model's external data, a manifest row, a class folder's entry, a config's
/// file key) is resolved with every link followed (<see cref="RealPath"/>) and must stay inside the root it belongs to
/// (<see cref="ResolveInside"/>); only regular files are opened, and their kind is checked before opening
/// (<see cref="OpenRead"/>), because opening a FIFO or a device blocks or never ends.</item>
/// <item>Writes: only the paths a user named (report paths on the command line or in MSBuild properties, and outputs a
/// config names resolved inside the config's folder or an explicit output folder). Every write goes to a temporary file
/// created new in the destination's folder and is then renamed over the destination; a destination that is a link is
/// refused (<see cref="WriteAtomic"/>), so a planted link cannot redirect a report.</item>
/// </list>
/// The boundary defends against hostile files prepared before a run; a concurrent process swapping files between the
/// check and the open (a race on the same machine) is outside it.
/// </summary>
public static class TrustBoundary
{
    /// <summary>Links followed while resolving one path before it is refused as a loop (Linux's own bound).</summary>
    public const int MaxLinkHops = 40;

    /// <summary>The kind of what <paramref name="path"/> names, without following a final link.</summary>
    public static FileKind KindOf(string path)
    {
        if (path.Contains('\0')) return FileKind.Missing;
        if (OperatingSystem.IsWindows())
        {
            FileAttributes attributes;
            try { attributes = File.GetAttributes(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException) { return FileKind.Missing; }
            if ((attributes & FileAttributes.ReparsePoint) != 0) return FileKind.Link;
            if ((attributes & FileAttributes.Device) != 0) return FileKind.CharacterDevice;
            return (attributes & FileAttributes.Directory) != 0 ? FileKind.Directory : FileKind.Regular;
        }
        // The runtime's own stat shim (shipped with every .NET on Unix): its FileStatus starts with Flags and Mode
        // (two ints), and Mode carries the POSIX type bits with the same values on Linux and macOS.
        var status = new byte[256];
        if (NativeStat.LStat(path, status) != 0) return FileKind.Missing;
        int mode = BitConverter.ToInt32(status, 4) & 0xF000;
        return mode switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Link,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
    }

    /// <summary>
    /// The absolute path with every link resolved, at every component (the final one included), like POSIX realpath.
    /// Components that do not exist are kept as written. A chain of more than <see cref="MaxLinkHops"/> links is refused.
    /// </summary>
    public static string RealPath(string path)
    {
        CheckText(path);
        // Not Path.GetFullPath: it folds "link/.." lexically, where the kernel goes up from the link's target.
        var full = Path.IsPathRooted(path) ? path : Path.Combine(Environment.CurrentDirectory, path);
        var root = Path.GetPathRoot(full) ?? "/";
        var pending = new Stack<string>(full[root.Length..].Split(Separators, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = root;
        int hops = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".") continue;
            if (part == "..") { current = Path.GetDirectoryName(current) ?? root; continue; }
            var next = Path.Combine(current, part);
            if (KindOf(next) != FileKind.Link) { current = next; continue; }
            if (++hops > MaxLinkHops) throw new InvalidInputException(path, $"has more than {MaxLinkHops} links in a chain (a link loop?)");
            string? target;
            try { target = new FileInfo(next).LinkTarget; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { target = null; }
            if (target is null) { current = next; continue; }
            // A relative target resolves against the link's folder; its parts are resolved in turn before what follows.
            if (Path.IsPathRooted(target)) current = Path.GetPathRoot(target) ?? root;
            foreach (var t in target[(Path.IsPathRooted(target) ? (Path.GetPathRoot(target) ?? "").Length : 0)..]
                         .Split(Separators, StringSplitOptions.RemoveEmptyEntries).Reverse())
                pending.Push(t);
        }
        return current;
    }

    /// <summary>
    /// Resolves <paramref name="path"/> (relative paths against <paramref name="root"/>) with every link followed and
    /// requires the result to lie inside <paramref name="root"/> (itself resolved). <paramref name="what"/> names the path
    /// in the error ("external data 'w.bin'", "manifest row 12"), which is located on <paramref name="file"/>.
    /// </summary>
    public static string ResolveInside(string path, string root, string what, string? file = null, int? line = null)
    {
        CheckText(path, what, file, line);
        var realRoot = RealPath(root);
        var real = RealPath(Path.IsPathRooted(path) ? path : Path.Combine(root, path));
        if (!IsInside(real, realRoot))
            throw new InvalidInputException(file, $"{what} resolves to {UntrustedText.Escape(real)}, outside {UntrustedText.Escape(realRoot)}; refused", line);
        return real;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or lies below it (both already resolved).</summary>
    public static bool IsInside(string path, string root)
    {
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var withSeparator = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        return path.Equals(root, comparison) || path.StartsWith(withSeparator, comparison);
    }

    /// <summary>
    /// Requires <paramref name="path"/> (links followed) to be a regular file, checked before anything opens it: a FIFO
    /// would block the open forever, a device would never end. Returns the resolved path.
    /// </summary>
    public static string RequireRegularFile(string path, string what = "file", string? file = null, int? line = null)
    {
        CheckText(path, what, file, line);
        var real = RealPath(path);
        var kind = KindOf(real);
        if (kind == FileKind.Regular) return real;
        var subject = file ?? path;
        throw new InvalidInputException(subject, kind switch
        {
            FileKind.Missing => $"{what} '{UntrustedText.Escape(path)}' does not exist",
            FileKind.Directory => $"{what} '{UntrustedText.Escape(path)}' is a folder, not a file",
            _ => $"{what} '{UntrustedText.Escape(path)}' is a {Describe(kind)}, not a regular file; refused",
        }, line);
    }

    /// <summary>Opens a regular file for reading, after <see cref="RequireRegularFile"/>; optionally inside <paramref name="root"/>.</summary>
    public static FileStream OpenRead(string path, string? root = null, string what = "file", string? file = null, int? line = null)
    {
        var real = root is null ? RequireRegularFile(path, what, file, line) : RequireRegularFile(ResolveInside(path, root, what, file, line), what, file, line);
        try
        {
            return new FileStream(real, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(file ?? path, $"{what} cannot be read: {UntrustedText.Escape(e.Message)}", line, e);
        }
    }

    /// <summary>Reads a whole regular file, refusing one larger than <paramref name="maxBytes"/> before reading it.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes, string what = "file", string? root = null)
    {
        using var stream = OpenRead(path, root, what);
        if (stream.Length > maxBytes)
            throw new InvalidInputException(path, $"{what} is {stream.Length} bytes, more than the limit of {maxBytes}");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// Writes <paramref name="path"/> through a temporary file created new (never opened through an existing name or link)
    /// in the destination's folder, renamed into place when <paramref name="write"/> has finished; a destination that is
    /// a link, a folder or anything but a regular file is refused. A failed or cancelled write leaves nothing behind.
    /// </summary>
    public static void WriteAtomic(string path, Action<Stream> write)
    {
        CheckText(path, "output");
        var full = Path.GetFullPath(path);
        var kind = KindOf(full);
        if (kind is not (FileKind.Missing or FileKind.Regular))
            throw new InvalidInputException(path, $"cannot be written: it is a {Describe(kind)}; AdvScan only replaces regular files");
        var folder = Path.GetDirectoryName(full) ?? ".";
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(folder);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                write(stream);
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"cannot be written: {UntrustedText.Escape(e.Message)}", inner: e);
        }
        finally
        {
            if (KindOf(temporary) == FileKind.Regular) File.Delete(temporary);
        }
    }

    /// <summary>Text and bytes shortcuts of <see cref="WriteAtomic"/>.</summary>
    public static void WriteAllBytes(string path, byte[] bytes) => WriteAtomic(path, s => s.Write(bytes));

    public static void WriteAllText(string path, string text) => WriteAtomic(path, s =>
    {
        using var writer = new StreamWriter(s, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
        writer.Write(text);
    });

    /// <summary>What a file kind is called in messages: "FIFO (named pipe)", "device", "socket", "link", "folder".</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Link => "link",
        FileKind.Fifo => "FIFO (named pipe)",
        FileKind.CharacterDevice or FileKind.BlockDevice => "device",
        FileKind.Socket => "socket",
        FileKind.Directory => "folder",
        FileKind.Regular => "file",
        _ => "special file",
    };

    private static void CheckText(string path, string what = "path", string? file = null, int? line = null)
    {
        if (path.Contains('\0')) throw new InvalidInputException(file, $"{what} contains a NUL character", line);
    }

    private static readonly char[] Separators = OperatingSystem.IsWindows() ? ['\\', '/'] : ['/'];

    private static class NativeStat
    {
        [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", CharSet = CharSet.Ansi, SetLastError = true)]
        public static extern int LStat(string path, [Out] byte[] status);
    }
}
