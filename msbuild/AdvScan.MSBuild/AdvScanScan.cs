using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace AdvScan.MSBuild;

/// <summary>
/// Runs <c>advscan scan &lt;config&gt; --sarif &lt;file&gt; [--device d]</c> in a child process (TorchSharp and ONNX
/// Runtime load there, never in the MSBuild node) and turns its canonical diagnostics
/// (<c>file(line,col): error ADV1002: ...</c>) into MSBuild errors and warnings that keep the code, file and line, so a
/// failed gate points at the line of advscan.json that set the threshold.
/// </summary>
public sealed class AdvScanScan : ToolTask
{
    private static readonly Regex Canonical = new Regex(
        @"^\s*(?:(?<file>.+?)\((?<line>\d+)(?:,(?<col>\d+))?\)\s*:\s*)?(?<category>error|warning)\s+(?<code>ADV\d+)\s*:\s*(?<message>.*)$",
        RegexOptions.CultureInvariant);

    // A located problem without a code (`error: file(line): problem`), reported when the CLI gives nothing better.
    private static readonly Regex Located = new Regex(
        @"^\s*(?:error:\s*)?(?<file>.+?)\((?<line>\d+)(?:,\d+)?\)\s*:\s*(?<message>.+)$", RegexOptions.CultureInvariant);

    private readonly List<string> _uncoded = new List<string>();
    private string? _cli;

    /// <summary>The advscan.json to scan.</summary>
    [Required] public string ConfigFile { get; set; } = "";

    /// <summary><c>advscan.dll</c>, an <c>advscan</c> executable, or a command name on PATH.</summary>
    [Required] public string CliPath { get; set; } = "";

    /// <summary>The model the scan is for; only named in the progress message.</summary>
    public string ModelFile { get; set; } = "";

    public string SarifFile { get; set; } = "";

    /// <summary>Passed as <c>--device</c> when set (cpu, cuda, cuda:N).</summary>
    public string Device { get; set; } = "";

    /// <summary>The dotnet host that runs <c>advscan.dll</c>; <c>$(DOTNET_HOST_PATH)</c> under <c>dotnet build</c>.</summary>
    public string DotnetHostPath { get; set; } = "";

    protected override string ToolName => _cli != null && !CliLocator.IsManagedAssembly(_cli) ? Path.GetFileName(_cli) : "dotnet";

    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.Normal;

    protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Normal;

    public override bool Execute()
    {
        _cli = CliLocator.Resolve(CliPath, Directory.GetCurrentDirectory());
        if (_cli == null)
        {
            Log.LogError(null, "ADV4001", null, BuildEngine.ProjectFileOfTaskNode, 0, 0, 0, 0,
                "The AdvScan CLI was not found at '{0}'. Set AdvScanCliPath to advscan.dll or to an installed `advscan` tool " +
                "(dotnet tool install AdvScan.Cli).", CliPath);
            return false;
        }
        if (CliLocator.IsManagedAssembly(_cli) && CliLocator.DotnetHost(DotnetHostPath) == null)
        {
            Log.LogError(null, "ADV4001", null, BuildEngine.ProjectFileOfTaskNode, 0, 0, 0, 0,
                "Running '{0}' needs the dotnet host, which is neither at DOTNET_HOST_PATH nor on PATH.", _cli);
            return false;
        }
        if (!string.IsNullOrEmpty(SarifFile)) Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(SarifFile))!);
        Log.LogMessage(MessageImportance.High, "AdvScan: scanning {0} against {1}", string.IsNullOrEmpty(ModelFile) ? "the model" : ModelFile, ConfigFile);
        return base.Execute();
    }

    protected override string GenerateFullPathToTool() =>
        CliLocator.IsManagedAssembly(_cli!) ? CliLocator.DotnetHost(DotnetHostPath)! : _cli!;

    protected override string GenerateCommandLineCommands()
    {
        var builder = new CommandLineBuilder();
        if (CliLocator.IsManagedAssembly(_cli!)) builder.AppendFileNameIfNotNull(_cli);
        builder.AppendTextUnquoted(" scan");
        builder.AppendFileNameIfNotNull(ConfigFile);
        if (!string.IsNullOrEmpty(SarifFile))
        {
            builder.AppendSwitch("--sarif");
            builder.AppendFileNameIfNotNull(SarifFile);
        }
        if (!string.IsNullOrEmpty(Device)) builder.AppendSwitchIfNotNull("--device ", Device);
        return builder.ToString();
    }

    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        var match = Canonical.Match(singleLine);
        if (!match.Success)
        {
            if (singleLine.Trim().Length > 0)
            {
                _uncoded.Add(singleLine);
                if (_uncoded.Count > 50) _uncoded.RemoveAt(0);
            }
            Log.LogMessage(messageImportance, singleLine);
            return;
        }
        var file = match.Groups["file"].Success ? match.Groups["file"].Value : ConfigFile;
        var line = match.Groups["line"].Success ? int.Parse(match.Groups["line"].Value, CultureInfo.InvariantCulture) : 0;
        var column = match.Groups["col"].Success ? int.Parse(match.Groups["col"].Value, CultureInfo.InvariantCulture) : 0;
        var code = match.Groups["code"].Value;
        var message = match.Groups["message"].Value;
        if (match.Groups["category"].Value == "error")
            Log.LogError(null, code, null, file, line, column, 0, 0, message);
        else
            Log.LogWarning(null, code, null, file, line, column, 0, 0, message);
    }

    /// <summary>
    /// A non-zero exit without a coded diagnostic still fails with an ADV code on the config: ADV2000 for bad input
    /// (exit 2, located where the CLI said), ADV1000 for a failed gate (exit 1), ADV4004 for anything else (a crash).
    /// </summary>
    protected override bool HandleTaskExecutionErrors()
    {
        if (Log.HasLoggedErrors) return false;
        var detail = _uncoded.Count > 0 ? _uncoded[_uncoded.Count - 1] : "no diagnostic was printed";
        switch (ExitCode)
        {
            case 2:
                string file = ConfigFile;
                int line = 0;
                string message = detail;
                for (var i = _uncoded.Count - 1; i >= 0; i--)
                {
                    var located = Located.Match(_uncoded[i]);
                    if (!located.Success) continue;
                    file = located.Groups["file"].Value;
                    line = int.Parse(located.Groups["line"].Value, CultureInfo.InvariantCulture);
                    message = located.Groups["message"].Value;
                    break;
                }
                Log.LogError(null, "ADV2000", null, file, line, 0, 0, 0, "advscan rejected its input: {0}", message);
                break;
            case 1:
                Log.LogError(null, "ADV1000", null, ConfigFile, 0, 0, 0, 0, "A robustness gate failed: {0}", detail);
                break;
            default:
                Log.LogError(null, "ADV4004", null, ConfigFile, 0, 0, 0, 0, "advscan exited with code {0}: {1}", ExitCode, detail);
                break;
        }
        return false;
    }
}
