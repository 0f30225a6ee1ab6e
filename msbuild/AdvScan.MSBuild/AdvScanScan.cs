using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace AdvScan.MSBuild;

/// <summary>
/// Runs <c>advscan scan &lt;config&gt; --sarif &lt;file&gt; --diagnostics &lt;file&gt; [--device d]</c> in a child
/// process (TorchSharp and ONNX Runtime load there, never in the MSBuild node) and turns the diagnostics the CLI writes
/// as JSON lines into MSBuild errors and warnings that keep the code, file and line, so a failed gate points at the line
/// of advscan.json that set the threshold. The tool's stdout and stderr are only logged as messages, never parsed: names
/// from the scanned model, data and config are printed there, and matching text could be made to forge a diagnostic at
/// any file. A scan that runs past <see cref="TimeoutSeconds"/> is ended with its process tree and reported as ADV4006.
/// </summary>
public sealed class AdvScanScan : ToolTask
{
    /// <summary>Diagnostics taken from one scan at most; a config with thousands of failing gates still fails the build.</summary>
    private const int MaxDiagnostics = 1000;

    private static readonly Regex Code = new Regex(@"^ADV\d{4}$", RegexOptions.CultureInvariant);

    private string? _cli;
    private string _lastLine = "";
    private bool _handledExit;

    /// <summary>The advscan.json to scan.</summary>
    [Required] public string ConfigFile { get; set; } = "";

    /// <summary><c>advscan.dll</c>, an <c>advscan</c> executable, or a command name on PATH.</summary>
    [Required] public string CliPath { get; set; } = "";

    /// <summary>The model the scan is for; only named in the progress message.</summary>
    public string ModelFile { get; set; } = "";

    public string SarifFile { get; set; } = "";

    /// <summary>Where the CLI writes its diagnostics (JSON lines); beside <see cref="SarifFile"/> when empty.</summary>
    public string DiagnosticsFile { get; set; } = "";

    /// <summary>Passed as <c>--device</c> when set (cpu, cuda, cuda:N).</summary>
    public string Device { get; set; } = "";

    /// <summary>
    /// <c>AdvScanCacheDirectory</c>: passed as <c>--cache</c> when set, so a rebuild re-attacks only the examples and
    /// attacks that changed; <c>obj/advscan/verdict-cache/</c> by default, empty (<c>AdvScanCache=false</c>) for none.
    /// </summary>
    public string CacheDirectory { get; set; } = "";

    /// <summary>The dotnet host that runs <c>advscan.dll</c>; <c>$(DOTNET_HOST_PATH)</c> under <c>dotnet build</c>.</summary>
    public string DotnetHostPath { get; set; } = "";

    /// <summary><c>AdvScanTimeout</c>: seconds the scan may run before the tool and its child processes are ended (0: no limit).</summary>
    public int TimeoutSeconds { get; set; }

    protected override string ToolName => _cli != null && !CliLocator.IsManagedAssembly(_cli) ? Path.GetFileName(_cli) : "dotnet";

    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.Normal;

    protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Normal;

    public override bool Execute()
    {
        _cli = CliLocator.Resolve(CliPath, Directory.GetCurrentDirectory());
        if (_cli == null)
        {
            Log.LogError(null, DiagnosticIds.CliNotFound, null, BuildEngine.ProjectFileOfTaskNode, 0, 0, 0, 0,
                "The AdvScan CLI was not found at '{0}'. Set AdvScanCliPath to advscan.dll or to an installed `advscan` tool " +
                "(dotnet tool install AdvScan.Cli).", CliPath);
            return false;
        }
        if (CliLocator.IsManagedAssembly(_cli) && CliLocator.DotnetHost(DotnetHostPath) == null)
        {
            Log.LogError(null, DiagnosticIds.CliNotFound, null, BuildEngine.ProjectFileOfTaskNode, 0, 0, 0, 0,
                "Running '{0}' needs the dotnet host, which is neither at DOTNET_HOST_PATH nor on PATH.", _cli);
            return false;
        }
        if (TimeoutSeconds < 0)
        {
            Log.LogError(null, DiagnosticIds.MSBuildInputs, null, BuildEngine.ProjectFileOfTaskNode, 0, 0, 0, 0,
                "AdvScanTimeout must be a number of seconds (0 for no limit), got {0}.", TimeoutSeconds);
            return false;
        }
        if (string.IsNullOrEmpty(DiagnosticsFile))
            DiagnosticsFile = string.IsNullOrEmpty(SarifFile) ? Path.Combine(Path.GetTempPath(), "advscan-" + Guid.NewGuid().ToString("N") + ".diagnostics.jsonl")
                : SarifFile + ".diagnostics.jsonl";
        DiagnosticsFile = Path.GetFullPath(DiagnosticsFile);
        Directory.CreateDirectory(Path.GetDirectoryName(DiagnosticsFile)!);
        // A file left by an earlier scan must not be read as this one's.
        if (File.Exists(DiagnosticsFile)) File.Delete(DiagnosticsFile);
        if (!string.IsNullOrEmpty(SarifFile)) Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(SarifFile))!);
        // ToolTask's own timer ends the whole process tree (and warns MSB5002); the error below says what it means here.
        if (TimeoutSeconds > 0) Timeout = (int)Math.Min(int.MaxValue, TimeoutSeconds * 1000L);

        Log.LogMessage(MessageImportance.High, "AdvScan: scanning {0} against {1}", string.IsNullOrEmpty(ModelFile) ? "the model" : ModelFile, ConfigFile);
        var clock = Stopwatch.StartNew();
        var ok = base.Execute();
        if (!ok && !_handledExit && !Log.HasLoggedErrors && TimeoutSeconds > 0 && clock.Elapsed >= TimeSpan.FromSeconds(TimeoutSeconds))
            Log.LogError(null, DiagnosticIds.TimedOut, null, ConfigFile, 0, 0, 0, 0,
                "advscan did not finish within AdvScanTimeout ({0} s) and was ended with its child processes; no scan result. " +
                "Raise AdvScanTimeout (seconds, 0 for no limit) or make the scan smaller.", TimeoutSeconds);
        return ok && !Log.HasLoggedErrors;
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
        builder.AppendSwitch("--diagnostics");
        builder.AppendFileNameIfNotNull(DiagnosticsFile);
        if (!string.IsNullOrEmpty(Device)) builder.AppendSwitchIfNotNull("--device ", Device);
        if (!string.IsNullOrEmpty(CacheDirectory))
        {
            builder.AppendSwitch("--cache");
            builder.AppendFileNameIfNotNull(Path.GetFullPath(CacheDirectory));
        }
        return builder.ToString();
    }

    /// <summary>The tool's output is logged as text, never interpreted: only the diagnostics file makes errors.</summary>
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        if (singleLine.Trim().Length > 0) _lastLine = singleLine.Trim();
        Log.LogMessage(messageImportance, "{0}", singleLine);
    }

    /// <summary>Runs the tool, then logs the diagnostics it wrote (also for a passing scan: near-threshold warnings).</summary>
    protected override int ExecuteTool(string pathToTool, string responseFileCommands, string commandLineCommands)
    {
        var exit = base.ExecuteTool(pathToTool, responseFileCommands, commandLineCommands);
        LogDiagnostics();
        return exit;
    }

    /// <summary>
    /// A non-zero exit the diagnostics did not explain still fails with an ADV code on the config: ADV2000 for bad input
    /// (exit 2), ADV1000 for a failed gate (exit 1), ADV4006 for the CLI's own --timeout (exit 124), ADV4004 for anything
    /// else (a crash that left no diagnostics).
    /// </summary>
    protected override bool HandleTaskExecutionErrors()
    {
        _handledExit = true;
        if (Log.HasLoggedErrors) return false;
        var detail = OneLine(_lastLine.Length > 0 ? _lastLine : "no diagnostic was written");
        switch (ExitCode)
        {
            case 2:
                Log.LogError(null, DiagnosticIds.BadInput, null, ConfigFile, 0, 0, 0, 0, "advscan rejected its input: {0}", detail);
                break;
            case 1:
                Log.LogError(null, DiagnosticIds.GateFailed, null, ConfigFile, 0, 0, 0, 0, "A robustness gate failed: {0}", detail);
                break;
            case 124:
                Log.LogError(null, DiagnosticIds.TimedOut, null, ConfigFile, 0, 0, 0, 0, "advscan stopped at its time limit: {0}", detail);
                break;
            default:
                Log.LogError(null, DiagnosticIds.CliCrashed, null, ConfigFile, 0, 0, 0, 0, "advscan exited with code {0}: {1}", ExitCode, detail);
                break;
        }
        return false;
    }

    /// <summary>
    /// Each JSON line of the diagnostics file: its code (an ADV id, else the line is skipped), severity, file, line, column
    /// and message become one MSBuild error or warning. A missing file (the tool was ended, or crashed) logs nothing.
    /// </summary>
    private void LogDiagnostics()
    {
        if (JsonFile.Text(DiagnosticsFile) is not { } text) return;
        int logged = 0, skipped = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.Trim().Length == 0) continue;
            if (logged == MaxDiagnostics) { skipped++; continue; }
            var d = JsonFile.Parse(line);
            var code = JsonFile.String(d, "code");
            if (code is null || !Code.IsMatch(code)) continue;
            var file = JsonFile.String(d, "file") is { Length: > 0 } f && Path.IsPathRooted(f) ? f : ConfigFile;
            int lineNumber = Math.Max(0, JsonFile.Int(d, "line") ?? 0), column = Math.Max(0, JsonFile.Int(d, "column") ?? 0);
            var message = OneLine(JsonFile.String(d, "message") ?? "");
            if (JsonFile.String(d, "severity") == "warning")
                Log.LogWarning(null, code, null, file, lineNumber, column, 0, 0, "{0}", message);
            else
                Log.LogError(null, code, null, file, lineNumber, column, 0, 0, "{0}", message);
            logged++;
        }
        if (skipped > 0) Log.LogMessage(MessageImportance.High, "AdvScan: {0} more diagnostics in {1}", skipped, DiagnosticsFile);
    }

    /// <summary>The CLI escapes what it writes; this keeps a message one line even if something else wrote the file.</summary>
    private static string OneLine(string text)
    {
        var s = new StringBuilder(Math.Min(text.Length, 4000));
        foreach (var c in text.Take(4000))
            s.Append(char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c);
        return s.ToString();
    }
}
