using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace AdvScan.MSBuild;

/// <summary>
/// Lists, for every <c>AdvScanModel</c> item, the files its scan depends on: the config, the model, the data (every
/// file of a data folder), the labels and transfer surrogates. They become the Inputs of the scan target, whose Output
/// is a stamp touched only after a passing scan. What timestamps cannot show (the CLI's version, the device, a data file
/// deleted from a folder) goes into a small <c>.inputs</c> file that is rewritten only when it changes and is itself
/// one of the Inputs. This runs on every build, so it only reads the config and lists folders.
/// </summary>
public sealed class ResolveAdvScanInputs : Task
{
    /// <summary>The <c>AdvScanModel</c> items; each needs <c>Config</c> metadata and may set <c>SarifPath</c>.</summary>
    [Required] public ITaskItem[] Models { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Folder for stamps, inputs files and SARIF (<c>$(IntermediateOutputPath)advscan/</c>).</summary>
    [Required] public string IntermediateDirectory { get; set; } = "";

    [Required] public string ProjectDirectory { get; set; } = "";

    public string CliPath { get; set; } = "";

    public string Device { get; set; } = "";

    /// <summary><c>AdvScanSarifPath</c>: a <c>.sarif</c> file (one model) or a folder that gets one file per scan.</summary>
    public string SarifPath { get; set; } = "";

    /// <summary>Every input file, with the metadata of the scan it belongs to (ScanId, Stamp, Config, Model, ...).</summary>
    [Output] public ITaskItem[] ScanInputs { get; private set; } = Array.Empty<ITaskItem>();

    /// <summary>One item per scan (identity = scan id) with the same metadata.</summary>
    [Output] public ITaskItem[] Scans { get; private set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        var intermediate = Path.GetFullPath(Path.Combine(ProjectDirectory, IntermediateDirectory));
        Directory.CreateDirectory(intermediate);
        var tool = ToolIdentity();
        var inputs = new List<ITaskItem>();
        var scans = new List<ITaskItem>();
        var multipleScans = Models.Length > 1;
        foreach (var model in Models)
        {
            var configMetadata = model.GetMetadata("Config");
            if (string.IsNullOrEmpty(configMetadata))
            {
                Log.LogError(null, DiagnosticIds.MSBuildInputs, null, BuildEngine.ProjectFileOfTaskNode, 0, 0, 0, 0,
                    "AdvScanModel '{0}' has no Config metadata; write <AdvScanModel Include=\"{0}\" Config=\"advscan.json\" />.", model.ItemSpec);
                continue;
            }
            var config = Path.GetFullPath(Path.Combine(ProjectDirectory, configMetadata));
            var modelPath = model.GetMetadata("FullPath");
            var id = ScanId(config, modelPath);
            var files = new SortedSet<string>(StringComparer.Ordinal) { config, modelPath };
            foreach (var f in FilesNamedBy(config, modelPath)) files.Add(f);

            var inputsFile = Path.Combine(intermediate, id + ".inputs");
            var cache = new StringBuilder()
                .AppendLine("advscan-inputs 1")
                .AppendLine("tool: " + tool)
                .AppendLine("device: " + Device)
                .AppendLine("config: " + config)
                .AppendLine("model: " + modelPath);
            foreach (var f in files) cache.AppendLine("file: " + f);
            WriteIfChanged(inputsFile, cache.ToString());
            files.Add(inputsFile);

            var sarifCopy = model.GetMetadata("SarifPath");
            if (string.IsNullOrEmpty(sarifCopy) && !string.IsNullOrEmpty(SarifPath))
            {
                sarifCopy = SarifPath.EndsWith(".sarif", StringComparison.OrdinalIgnoreCase) && !multipleScans
                    ? SarifPath
                    : Path.Combine(SarifPath, id + ".sarif");
            }
            var metadata = new Dictionary<string, string>
            {
                ["ScanId"] = id,
                ["Config"] = config,
                ["Model"] = modelPath,
                ["Stamp"] = Path.Combine(intermediate, id + ".stamp"),
                ["Sarif"] = Path.Combine(intermediate, id + ".sarif"),
                ["CopySarifTo"] = string.IsNullOrEmpty(sarifCopy) ? "" : Path.GetFullPath(Path.Combine(ProjectDirectory, sarifCopy)),
            };
            scans.Add(new TaskItem(id, metadata));
            inputs.AddRange(files.Select(f => (ITaskItem)new TaskItem(f, metadata)));
        }
        ScanInputs = inputs.ToArray();
        Scans = scans.ToArray();
        return !Log.HasLoggedErrors;
    }

    /// <summary>
    /// The files the config names. A config that cannot be read yields none: the scan then runs (the config is always an
    /// input) and the CLI reports the problem on the right line.
    /// </summary>
    private IEnumerable<string> FilesNamedBy(string config, string itemModel)
    {
        if (JsonFile.Read(config) is not { ValueKind: JsonValueKind.Object } root) yield break;
        var folder = Path.GetDirectoryName(config) ?? ProjectDirectory;

        if (JsonFile.String(root, "model") is { } configModel)
        {
            var resolved = Resolve(folder, configModel);
            if (resolved != null && !string.Equals(resolved, itemModel, StringComparison.Ordinal))
                Log.LogWarning(null, DiagnosticIds.MSBuildConfigWarning, null, config, 0, 0, 0, 0,
                    "The config scans '{0}', but the AdvScanModel item names '{1}'; the scan uses the config's model.", resolved, itemModel);
            if (resolved != null) yield return resolved;
        }
        var data = JsonFile.Member(root, "data");
        var dataPath = data is { ValueKind: JsonValueKind.String } text ? text.GetString() : JsonFile.String(data, "path");
        if (dataPath != null)
            foreach (var f in FilesAt(Resolve(folder, dataPath))) yield return f;
        if (JsonFile.String(data, "labels") is { } labels && Resolve(folder, labels) is { } labelFile)
            yield return labelFile;
        foreach (var attack in JsonFile.Items(JsonFile.Member(root, "attacks")))
            if (JsonFile.String(attack, "surrogate") is { } surrogate && Resolve(folder, surrogate) is { } surrogateFile)
                yield return surrogateFile;
    }

    private static string? Resolve(string folder, string path)
    {
        try { return Path.GetFullPath(Path.Combine(folder, path)); }
        catch (ArgumentException) { return null; }
        catch (NotSupportedException) { return null; }
    }

    /// <summary>A folder's files, recursively and in a stable order, so adding or removing an image changes the inputs.</summary>
    private static IEnumerable<string> FilesAt(string? path)
    {
        if (path == null) return Array.Empty<string>();
        if (Directory.Exists(path)) return Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal);
        return new[] { path };
    }

    /// <summary>Version, size and time of the CLI, so that installing another advscan reruns every scan.</summary>
    private string ToolIdentity()
    {
        var cli = CliLocator.Resolve(CliPath, ProjectDirectory);
        if (cli == null) return "missing " + CliPath;
        var info = new FileInfo(cli);
        string version = "";
        try { version = FileVersionInfo.GetVersionInfo(cli).ProductVersion ?? ""; }
        catch (IOException) { }
        return string.Format(CultureInfo.InvariantCulture, "{0} {1} {2} {3}", cli, version, info.Length, info.LastWriteTimeUtc.Ticks);
    }

    private static void WriteIfChanged(string path, string content)
    {
        if (File.Exists(path) && File.ReadAllText(path) == content) return;
        File.WriteAllText(path, content);
    }

    /// <summary>Readable and unique: config and model names plus a hash of their full paths.</summary>
    private static string ScanId(string config, string model)
    {
        uint hash = 2166136261;
        foreach (var c in config + "|" + model)
        {
            hash ^= c;
            hash *= 16777619;
        }
        var name = Path.GetFileNameWithoutExtension(model) + "." + Path.GetFileNameWithoutExtension(config);
        var safe = new string(name.Select(ch => char.IsLetterOrDigit(ch) || ch == '.' || ch == '-' || ch == '_' ? ch : '_').ToArray());
        return safe + "." + hash.ToString("x8", CultureInfo.InvariantCulture);
    }
}
