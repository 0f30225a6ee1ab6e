namespace AdvScan.Cli.Tests.Hostile;

/// <summary>The harness itself: it runs the real tool and kills what runs past its bound.</summary>
public sealed class HostileRunTests
{
    [Fact]
    public void The_real_tool_runs_as_a_child_process_and_a_run_past_its_bound_is_killed()
    {
        var help = HostileRun.Advscan(["--help"]);
        Assert.Equal(0, help.Exit);
        Assert.Contains("usage: advscan", help.Out);
        Assert.True(help.PeakRssBytes > 0);

        var slow = HostileRun.Advscan(["--help"], timeout: TimeSpan.Zero);
        Assert.True(slow.Killed || slow.Exit == 0);
    }
}
