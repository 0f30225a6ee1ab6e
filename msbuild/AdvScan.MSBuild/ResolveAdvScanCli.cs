using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace AdvScan.MSBuild;

/// <summary>
/// Finds the advscan CLI the scans run. An explicit <c>AdvScanCliPath</c> wins (<c>advscan.dll</c>, an executable or a
/// command on PATH). Otherwise the CLI is the <c>advscan</c> .NET tool of the repository's tool manifest
/// (<c>.config/dotnet-tools.json</c>): <c>dotnet tool restore</c> puts the small <c>AdvScan.Cli</c> package and the
/// host's <c>AdvScan.Cli.&lt;rid&gt;</c> package (the CLI with that OS's natives) into the NuGet packages folder, where
/// this task finds its <c>advscan.dll</c>. Running that file directly (<c>dotnet advscan.dll</c>, as for any other
/// <c>AdvScanCliPath</c>) keeps a no-change build from paying for <c>dotnet tool run</c>, and gives the incremental
/// check a file whose version, size and time identify the tool.
/// The targets call this twice when the manifest's tool is not restored yet: once to learn that, then, after they ran
/// <c>dotnet tool restore</c>, with <see cref="ReportMissing"/> so a CLI still missing is one ADV4001 error.
/// </summary>
public sealed class ResolveAdvScanCli : Task
{
    /// <summary><c>AdvScanCliPath</c>; empty to use the tool manifest.</summary>
    public string CliPath { get; set; } = "";

    [Required] public string ProjectDirectory { get; set; } = "";

    /// <summary>The project being built: where a missing CLI is reported (the task's own file is the package's targets).</summary>
    public string ProjectFile { get; set; } = "";

    /// <summary><c>$(NuGetPackageRoot)</c>; empty falls back to NUGET_PACKAGES, then ~/.nuget/packages.</summary>
    public string PackageRoot { get; set; } = "";

    /// <summary>The host's RID (<c>$(NETCoreSdkRuntimeIdentifier)</c>): the tool package restore chose for it.</summary>
    public string RuntimeIdentifier { get; set; } = "";

    public string ToolPackageId { get; set; } = "AdvScan.Cli";

    /// <summary>Log ADV4001 when nothing is found (the last attempt); otherwise only report what was found.</summary>
    public bool ReportMissing { get; set; }

    /// <summary>Exit code of the <c>dotnet tool restore</c> the targets ran, empty when none ran.</summary>
    public string RestoreExitCode { get; set; } = "";

    /// <summary>What that restore printed, quoted in the error when it failed.</summary>
    public string RestoreOutput { get; set; } = "";

    /// <summary>The CLI to run, or empty.</summary>
    [Output] public string ResolvedCliPath { get; private set; } = "";

    /// <summary>The manifest that lists the tool, or empty when none does (then a restore cannot help).</summary>
    [Output] public string Manifest { get; private set; } = "";

    public override bool Execute()
    {
        if (!string.IsNullOrWhiteSpace(CliPath))
        {
            ResolvedCliPath = CliLocator.Resolve(CliPath, ProjectDirectory) ?? "";
            if (ResolvedCliPath.Length == 0 && ReportMissing)
                Log.LogError(null, DiagnosticIds.CliNotFound, null, Project, 0, 0, 0, 0,
                    "The AdvScan CLI was not found at '{0}'. Set AdvScanCliPath to advscan.dll, an `advscan` executable or a " +
                    "command on PATH, or leave it empty to run the `advscan` tool of the repository's tool manifest.", CliPath);
            return !Log.HasLoggedErrors;
        }

        var manifest = FindManifest(out var version);
        if (manifest == null)
        {
            if (ReportMissing)
                Log.LogError(null, DiagnosticIds.CliNotFound, null, Project, 0, 0, 0, 0,
                    "The AdvScan CLI was not found: no .NET tool manifest (.config/dotnet-tools.json) in '{0}' or above lists {1}. " +
                    "At the repository root run `dotnet new tool-manifest` and `dotnet tool install {1}` and commit the manifest, " +
                    "or set AdvScanCliPath.", ProjectDirectory, ToolPackageId);
            return !Log.HasLoggedErrors;
        }
        Manifest = manifest;
        ResolvedCliPath = FindRestoredTool(version) ?? FromToolResolverCache(version) ?? "";
        if (ResolvedCliPath.Length == 0 && ReportMissing)
        {
            var why = RestoreExitCode.Length == 0
                ? "Run `dotnet tool restore` (AdvScanRestoreTool is false, so the build does not)."
                : RestoreExitCode == "0"
                    ? "`dotnet tool restore` succeeded but left no package for this RID."
                    : "`dotnet tool restore` exited with code " + RestoreExitCode + ": " + LastLines(RestoreOutput, 5);
            Log.LogError(null, DiagnosticIds.CliNotFound, null, manifest, 0, 0, 0, 0,
                "The AdvScan CLI {0} {1} this manifest names is not restored for {2} under '{3}'. {4}",
                ToolPackageId, version, RuntimeIdentifier, Root(), why);
        }
        return !Log.HasLoggedErrors;
    }

    private string Project => string.IsNullOrEmpty(ProjectFile) ? BuildEngine.ProjectFileOfTaskNode : ProjectFile;

    /// <summary>The nearest manifest that lists the tool, looked up as `dotnet tool` does (stopping at isRoot).</summary>
    private string? FindManifest(out string version)
    {
        version = "";
        for (var dir = new DirectoryInfo(ProjectDirectory); dir != null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, ".config", "dotnet-tools.json"), Path.Combine(dir.FullName, "dotnet-tools.json") })
            {
                if (!File.Exists(candidate)) continue;
                if (JsonFile.Read(candidate) is not { ValueKind: JsonValueKind.Object } root) continue;
                var tool = JsonFile.Members(JsonFile.Member(root, "tools"))
                    .Where(t => string.Equals(t.Name, ToolPackageId, StringComparison.OrdinalIgnoreCase)).Select(t => (JsonElement?)t.Value).FirstOrDefault();
                if (JsonFile.String(tool, "version") is { } pinned)
                {
                    version = pinned;
                    return candidate;
                }
                if (JsonFile.Member(root, "isRoot") is { ValueKind: JsonValueKind.True }) return null;
            }
        }
        return null;
    }

    /// <summary>
    /// The CLI inside the restored tool: the RID package's <c>tools/&lt;tfm&gt;/&lt;rid&gt;/</c> (or, for a tool packed
    /// without RID packages, <c>tools/&lt;tfm&gt;/any/</c>), entry point taken from its DotnetToolSettings.xml.
    /// </summary>
    private string? FindRestoredTool(string version)
    {
        var id = ToolPackageId.ToLowerInvariant();
        var folders = new List<string>();
        foreach (var v in CacheVersions(version))
        {
            if (RuntimeIdentifier.Length > 0) folders.AddRange(ToolFolders(Path.Combine(Root(), id + "." + RuntimeIdentifier.ToLowerInvariant(), v), RuntimeIdentifier));
            folders.AddRange(ToolFolders(Path.Combine(Root(), id, v), "any"));
        }
        foreach (var folder in folders)
        {
            var settings = Path.Combine(folder, "DotnetToolSettings.xml");
            if (!File.Exists(settings)) continue;
            var entry = Regex.Match(File.ReadAllText(settings), "EntryPoint=\"([^\"]+)\"");
            if (!entry.Success) continue;
            // A RID package names its apphost; its advscan.dll runs under the build's own dotnet host instead, which
            // needs no DOTNET_ROOT to find the runtime.
            var dll = Path.Combine(folder, Path.GetFileNameWithoutExtension(entry.Groups[1].Value) + ".dll");
            if (File.Exists(dll)) return dll;
            var exe = Path.Combine(folder, entry.Groups[1].Value);
            if (File.Exists(exe)) return exe;
        }
        return null;
    }

    /// <summary>
    /// Where `dotnet tool restore` recorded the tool when it restored it into another packages folder (an earlier
    /// NUGET_PACKAGES, say): it keeps that record per user, in <c>~/.dotnet/toolResolverCache/1/&lt;id&gt;</c>
    /// (<c>$DOTNET_CLI_HOME/.dotnet/...</c> when set), and while the file it names exists it restores nothing again.
    /// </summary>
    private string? FromToolResolverCache(string version)
    {
        var home = Environment.GetEnvironmentVariable("DOTNET_CLI_HOME");
        if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var record = Path.Combine(home, ".dotnet", "toolResolverCache", "1", ToolPackageId.ToLowerInvariant());
        foreach (var entry in JsonFile.Items(JsonFile.Read(record)))
        {
            if (!(JsonFile.String(entry, "Version") is { } recorded && CacheVersions(version).Contains(recorded.ToLowerInvariant()))) continue;
            if (!(JsonFile.String(entry, "PathToExecutable") is { } executable && File.Exists(executable))) continue;
            var dll = Path.Combine(Path.GetDirectoryName(executable) ?? "", Path.GetFileNameWithoutExtension(executable) + ".dll");
            return File.Exists(dll) ? dll : executable;
        }
        return null;
    }

    private static IEnumerable<string> ToolFolders(string packageFolder, string rid)
    {
        var tools = Path.Combine(packageFolder, "tools");
        if (!Directory.Exists(tools)) return Array.Empty<string>();
        return Directory.GetDirectories(tools).OrderBy(d => d, StringComparer.Ordinal).Select(tfm => Path.Combine(tfm, rid)).Where(Directory.Exists);
    }

    /// <summary>NuGet's folder name for a version: lower case, and "1.2" stored as "1.2.0".</summary>
    private static IEnumerable<string> CacheVersions(string version)
    {
        var v = version.Trim().ToLowerInvariant();
        yield return v;
        var core = v.Split('-', '+')[0];
        if (core.Count(c => c == '.') == 1) yield return core + ".0" + v.Substring(core.Length);
    }

    private string Root()
    {
        var root = PackageRoot;
        if (string.IsNullOrWhiteSpace(root)) root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? "";
        if (string.IsNullOrWhiteSpace(root))
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.GetFullPath(root);
    }

    private static string LastLines(string text, int count)
    {
        var lines = text.Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries);
        return string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - count)).Select(l => l.Trim()));
    }
}
