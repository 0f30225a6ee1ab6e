using AdvScan.Scanning;
using Spectre.Console;

namespace AdvScan.Cli;

/// <summary>
/// Progress of a scan on stderr: Spectre.Console bars with ETA on an interactive terminal, plain lines (a stage's
/// start, each quarter, its end) in CI logs, where redrawn bars would be noise.
/// </summary>
internal static class ScanProgressDisplay
{
    public static T Run<T>(TextWriter stderr, bool forcePlain, Func<IProgress<ScanProgress>, T> work)
    {
        var console = stderr is LineWriter lines ? lines.Inner : stderr;
        bool interactive = !forcePlain && ReferenceEquals(console, Console.Error) && !Console.IsErrorRedirected
            && AnsiConsole.Profile.Capabilities.Interactive;
        if (!interactive) return work(new PlainLines(stderr));
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return ansi.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context => work(new Bars(context)));
    }

    private sealed class Bars(ProgressContext context) : IProgress<ScanProgress>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = [];

        public void Report(ScanProgress value)
        {
            lock (_tasks)
            {
                if (!_tasks.TryGetValue(value.Stage, out var task))
                    // A stage is named after an attack or check id from the config: no terminal escape or newline gets through.
                    _tasks[value.Stage] = task = context.AddTask(Markup.Escape(UntrustedText.Escape(value.Stage, 60)), maxValue: Math.Max(1, value.Total));
                task.Value = value.Done;
            }
        }
    }

    private sealed class PlainLines(TextWriter stderr) : IProgress<ScanProgress>
    {
        private readonly Dictionary<string, int> _quarters = [];

        public void Report(ScanProgress value)
        {
            lock (_quarters)
            {
                int quarter = value.Total == 0 ? 4 : 4 * value.Done / value.Total;
                if (_quarters.TryGetValue(value.Stage, out var last) && quarter <= last) return;
                _quarters[value.Stage] = quarter;
                stderr.WriteLine($"advscan: {value.Stage} {value.Done}/{value.Total}");
            }
        }
    }
}
