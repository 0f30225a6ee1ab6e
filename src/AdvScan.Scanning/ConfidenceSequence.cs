namespace AdvScan.Scanning;

/// <summary>
/// An anytime-valid confidence sequence for the mean of a stream of values in [0,1] (a Bernoulli rate: robust or not,
/// correct or not): the hedged betting construction of Waudby-Smith and Ramdas ("Estimating means of bounded random
/// variables by betting", 2020; JRSS-B 2024), with their predictable plug-in bets.
/// </summary>
/// <remarks>
/// <para>For every candidate mean m a gambler bets on the observations, half of the capital that they exceed m and
/// half that they fall short: K_t(m) = 1/2 prod(1 + l+_i (x_i - m)) + 1/2 prod(1 - l-_i (x_i - m)), each bet chosen
/// before x_i is seen. Under the true mean K_t is a nonnegative martingale starting at 1, so by Ville's inequality it
/// ever reaches 1/alpha with probability at most alpha. The sequence is every m whose capital has never reached 1/alpha.
/// (The paper's hedged process keeps the larger of the two halves; their sum, kept here, is itself a nonnegative
/// martingale under m, so Ville's inequality applies to it directly, and it excludes every m the larger half would.)</para>
/// <para>Guarantee: for independent observations with a common mean mu, P(there is a t at which mu is outside the
/// interval) &lt;= alpha. It therefore holds at a data-dependent stopping time, which is what sequential gates need: a
/// scan may look after every round and stop at the first round that settles, and a Wilson or normal interval
/// recomputed at each look would not keep its level (its error grows without bound with the number of looks).</para>
/// <para>Bets: l_t = sqrt(2 ln(2/alpha) / (s2_{t-1} t ln(1 + t))), capped at c/m for the upward bet and c/(1 - m) for
/// the downward one (c = 1/2) so that capital stays positive, where s2 is the regularised running variance
/// (1/4 + sum (x_i - mean_i)^2) / (t + 1) and mean_i = (1/2 + sum of the first i - 1... values) / i. Candidate means
/// are a grid of <see cref="GridSize"/> points; reported bounds are the nearest grid points known to be excluded, so
/// the interval reported is never narrower than the construction's.</para>
/// </remarks>
public sealed class ConfidenceSequence
{
    private const double BetCap = 0.5;
    private readonly double[] candidates;
    private readonly double[] logUp;
    private readonly double[] logDown;
    private readonly bool[] excluded;
    private readonly double logThreshold;
    private readonly double betScale;
    private double sum;
    private double squaredDeviations;
    private double runningMean;

    /// <param name="alpha">Error rate, in (0, 0.5]: the interval holds at every time with probability 1 - alpha.</param>
    /// <param name="gridSize">Candidate means tested (the resolution of the bounds, 1/gridSize).</param>
    public ConfidenceSequence(double alpha, int gridSize = 2000)
    {
        if (!(alpha > 0 && alpha <= 0.5)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must lie in (0, 0.5]");
        ArgumentOutOfRangeException.ThrowIfLessThan(gridSize, 2);
        Alpha = alpha;
        GridSize = gridSize;
        candidates = Enumerable.Range(1, gridSize - 1).Select(j => j / (double)gridSize).ToArray();
        logUp = new double[candidates.Length];
        logDown = new double[candidates.Length];
        excluded = new bool[candidates.Length];
        logThreshold = Math.Log(1 / alpha);
        betScale = 2 * Math.Log(2 / alpha);
    }

    public double Alpha { get; }
    public int GridSize { get; }

    /// <summary>Observations so far.</summary>
    public int Count { get; private set; }

    /// <summary>The mean of the observations so far (0 before any).</summary>
    public double Mean => Count == 0 ? 0 : sum / Count;

    /// <summary>Adds one observation in [0,1].</summary>
    public void Add(double x)
    {
        if (!(x >= 0 && x <= 1)) throw new ArgumentOutOfRangeException(nameof(x), x, "observations must lie in [0,1]");
        int t = Count + 1;
        // The variance estimate uses observations before this one only: the bet is predictable.
        double variance = (0.25 + squaredDeviations) / t;
        double bet = Math.Sqrt(betScale / (variance * t * Math.Log(1 + t)));
        for (int j = 0; j < candidates.Length; j++)
        {
            if (excluded[j]) continue;
            double m = candidates[j];
            double up = Math.Min(bet, BetCap / m);
            double down = Math.Min(bet, BetCap / (1 - m));
            logUp[j] += Math.Log(1 + up * (x - m));
            logDown[j] += Math.Log(1 - down * (x - m));
            // log(K+/2 + K-/2) >= log(1/alpha): excluded from now on (the running intersection).
            double high = Math.Max(logUp[j], logDown[j]);
            double logCapital = high + Math.Log(0.5 * (Math.Exp(logUp[j] - high) + Math.Exp(logDown[j] - high)));
            if (logCapital >= logThreshold) excluded[j] = true;
        }
        sum += x;
        Count = t;
        runningMean = (0.5 + sum) / (t + 1);
        squaredDeviations += (x - runningMean) * (x - runningMean);
    }

    /// <summary>The lower end: the largest grid point below which every candidate is excluded (0 when none is).</summary>
    public double Lower
    {
        get
        {
            int j = 0;
            while (j < candidates.Length && excluded[j]) j++;
            if (j == candidates.Length) return Mean;
            return j == 0 ? 0 : candidates[j - 1];
        }
    }

    /// <summary>The upper end: the smallest grid point above which every candidate is excluded (1 when none is).</summary>
    public double Upper
    {
        get
        {
            int j = candidates.Length - 1;
            while (j >= 0 && excluded[j]) j--;
            if (j < 0) return Mean;
            return j == candidates.Length - 1 ? 1 : candidates[j + 1];
        }
    }
}
