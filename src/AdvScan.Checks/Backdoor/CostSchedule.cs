namespace AdvScan.Checks.Backdoor;

/// <summary>
/// Neural Cleanse's per-class cost schedule and best-mask bookkeeping, one slot per class so that all classes run in
/// one batch yet each follows the paper's schedule on its own: the L1 weight goes up after <c>Patience</c> epochs at or
/// above the success threshold (the mask may shrink further) and down after as many below it (the mask got too small
/// to work); the best mask is the smallest one that met the threshold at the end of an epoch.
/// </summary>
internal sealed class CostSchedule
{
    private readonly NeuralCleanseOptions options;
    private readonly int[] up, down, stale;
    private readonly bool[] wentUp, wentDown;
    private readonly double[] earlyStopBest;

    public CostSchedule(int classes, NeuralCleanseOptions options)
    {
        this.options = options;
        Costs = Enumerable.Repeat(options.InitialCost, classes).ToArray();
        BestNorm = Enumerable.Repeat(double.PositiveInfinity, classes).ToArray();
        earlyStopBest = Enumerable.Repeat(double.PositiveInfinity, classes).ToArray();
        Stopped = new bool[classes];
        up = new int[classes];
        down = new int[classes];
        stale = new int[classes];
        wentUp = new bool[classes];
        wentDown = new bool[classes];
    }

    public double[] Costs { get; }
    public double[] BestNorm { get; }
    public bool[] Stopped { get; }
    public bool AllStopped => Stopped.All(s => s);

    /// <summary>Takes a class's epoch: its attack success over the epoch and its mask's L1 norm now. Returns whether this mask is the new best.</summary>
    public bool EndEpoch(int k, double success, double norm)
    {
        if (Stopped[k]) return false;
        bool reached = success >= options.SuccessThreshold;
        bool best = reached && norm < BestNorm[k];
        if (best) BestNorm[k] = norm;

        if (options.EarlyStopPatience > 0 && !double.IsPositiveInfinity(BestNorm[k]))
        {
            // Counting starts once a working mask exists; it stops a class only after its cost has moved both ways,
            // so a class is not abandoned before the schedule had the chance to search both sides of the threshold.
            stale[k] = BestNorm[k] >= 0.99 * earlyStopBest[k] ? stale[k] + 1 : 0;
            earlyStopBest[k] = Math.Min(earlyStopBest[k], BestNorm[k]);
            if (wentUp[k] && wentDown[k] && stale[k] >= options.EarlyStopPatience) Stopped[k] = true;
        }

        if (reached) { up[k]++; down[k] = 0; }
        else { up[k] = 0; down[k]++; }
        if (up[k] >= options.Patience)
        {
            up[k] = 0;
            Costs[k] *= options.CostUp;
            wentUp[k] = true;
        }
        else if (down[k] >= options.Patience)
        {
            down[k] = 0;
            Costs[k] /= options.CostDown;
            wentDown[k] = true;
        }
        return best;
    }
}
