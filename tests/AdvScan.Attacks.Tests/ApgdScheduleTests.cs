namespace AdvScan.Attacks.Tests;

public class ApgdScheduleTests
{
    [Fact]
    public void Checkpoints_follow_the_published_schedule_for_100_iterations()
    {
        // p = 0, 0.22, 0.41, 0.57, 0.70, 0.80, 0.87, 0.93, 0.99 (each step shrinks by 0.03, never below 0.06).
        Assert.Equal([22, 41, 57, 70, 80, 87, 93, 99], Apgd.Checkpoints(100));
    }

    [Fact]
    public void Checkpoints_are_increasing_and_inside_the_run()
    {
        var checkpoints = Apgd.Checkpoints(40);
        Assert.All(checkpoints, w => Assert.InRange(w, 1, 39));
        Assert.Equal(checkpoints.OrderBy(w => w), checkpoints);
    }
}
