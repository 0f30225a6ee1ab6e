using AdvScan.Cli;

namespace AdvScan.Scanning.Tests;

/// <summary>Runs the advscan CLI in-process, as the tests of every verb do: its exit code and what it printed.</summary>
public static class CliRun
{
    public static (int Exit, string Out, string Err) Of(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = CliApp.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
