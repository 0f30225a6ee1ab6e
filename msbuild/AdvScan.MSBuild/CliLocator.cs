using System;
using System.IO;

namespace AdvScan.MSBuild;

/// <summary>
/// Finds the advscan CLI and the <c>dotnet</c> host that runs it. <c>AdvScanCliPath</c> may name <c>advscan.dll</c>
/// (run as <c>dotnet advscan.dll</c>), an executable such as an installed <c>advscan</c> .NET tool, or a bare command
/// name looked up on PATH.
/// </summary>
internal static class CliLocator
{
    public static string? Resolve(string? cliPath, string baseDirectory)
    {
        if (string.IsNullOrWhiteSpace(cliPath)) return null;
        var path = cliPath!.Trim();
        if (path.IndexOf(Path.DirectorySeparatorChar) < 0 && path.IndexOf(Path.AltDirectorySeparatorChar) < 0)
        {
            var onPath = FindOnPath(path);
            if (onPath != null) return onPath;
        }
        var full = Path.GetFullPath(Path.Combine(baseDirectory, path));
        return File.Exists(full) ? full : null;
    }

    public static bool IsManagedAssembly(string path) => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);

    /// <summary>The dotnet host: the one running this build when MSBuild says so, else the first on PATH.</summary>
    public static string? DotnetHost(string? dotnetHostPath)
    {
        if (!string.IsNullOrEmpty(dotnetHostPath) && File.Exists(dotnetHostPath)) return dotnetHostPath;
        return FindOnPath("dotnet");
    }

    private static string? FindOnPath(string name)
    {
        var isWindows = Path.DirectorySeparatorChar == '\\';
        var names = isWindows && !name.EndsWith(".exe", StringComparison.OrdinalIgnoreCase) ? new[] { name + ".exe", name } : new[] { name };
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            foreach (var n in names)
            {
                string candidate;
                try { candidate = Path.Combine(dir, n); }
                catch (ArgumentException) { continue; }
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
