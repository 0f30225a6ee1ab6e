namespace AdvScan.Cli;

public static class Program
{
    /// <summary>Ctrl+C cancels the running work cleanly (exit code 130, no partial report files) instead of killing the process.</summary>
    public static int Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C asks the work to stop at its next check; a second one ends the process as usual.
            if (cancellation.IsCancellationRequested) return;
            e.Cancel = true;
            cancellation.Cancel();
        };
        var exit = CliApp.Run(args, Console.Out, Console.Error, cancellation.Token, out var workStillRunning);
        // Timed-out work that did not stop is still inside native code: end without running exit handlers under it.
        if (workStillRunning) HardExit.Now(exit);
        return exit;
    }
}
