namespace AdvScan.Attacks;

/// <summary>
/// HopSkipJump (Chen, Jordan &amp; Wainwright 2020): the hard-label black-box attack, for a model behind an API that
/// returns only the class. It reads nothing but the argmax of the oracle's scores (<see cref="LabelOracle"/>), so it
/// needs no logits, no probabilities and no gradients. From an adversarial starting point (uniform noise, or another
/// example of the batch the model puts in another class), it alternates a binary search to the decision boundary, a
/// Monte-Carlo estimate of the boundary's normal from the labels of random points around it (sqrt(t)-growing sample
/// counts, baseline-subtracted), and a geometric step along it. Runs until the perturbation is within the budget
/// (<see cref="AttackSettings.Epsilon"/>, L2 or L-inf) or the example's query budget (<see cref="AttackSettings.Queries"/>)
/// is spent; examples it cannot bring inside the budget are returned clean and count as not fooled.
/// </summary>
public sealed class HopSkipJump : IScoreBasedAttack
{
    public string Name => "hopskipjump";

    public AttackAccess Access => AttackAccess.Labels;
    public IReadOnlyList<Norm> Norms { get; } = [Norm.L2, Norm.LInf];
    public IReadOnlyList<string> Keys { get; } = [AttackKeys.Queries, AttackKeys.TargetClass];

    public string Describe(AttackSettings s) => AttackKeys.Describe(s, "hard labels only", AttackKeys.Invariant($"{s.Queries} queries per image"));

    /// <summary>Boundary samples for the first gradient estimate (the paper's B_0), growing as sqrt(t).</summary>
    public int InitialEvaluations { get; init; } = 100;

    public int MaxEvaluations { get; init; } = 10_000;

    /// <summary>Random-noise draws tried per example to find a starting point before other examples are tried.</summary>
    public int InitialNoiseDraws { get; init; } = 20;

    /// <summary>
    /// Precision of every binary search, as a share of the segment searched; null is the paper's theta (d^-1.5 for L2,
    /// d^-2 for L-inf). It must stay well below the gradient-estimate radius (sqrt(d) theta times the distance for L2):
    /// a point left further from the boundary than that sees only adversarial samples and estimates nothing.
    /// </summary>
    public double? BinarySearchTolerance { get; init; }

    public ScoreAttackResult Attack(IScoreOracle oracle, float[] pixels, long[] shape, int[] labels, AttackSettings settings, CancellationToken cancellationToken = default)
    {
        int n = (int)shape[0];
        int d = checked((int)(pixels.Length / Math.Max(n, 1)));
        var labelsOnly = new LabelOracle(oracle, shape);
        var state = new HopSkipJumpState(pixels, labels, n, d, settings, labelsOnly);
        var random = new Random(unchecked((int)settings.Seed));

        double theta = settings.Norm == Norm.L2 ? 1 / (Math.Sqrt(d) * d) : 1.0 / ((double)d * d);
        double tolerance = BinarySearchTolerance ?? theta;
        state.Initialise(random, InitialNoiseDraws);
        var active = state.Open();
        state.BinarySearch(active, tolerance);
        for (int t = 1; ; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            active = state.Open();
            if (active.Length == 0) break;
            int evaluations = (int)Math.Min(MaxEvaluations, InitialEvaluations * Math.Sqrt(t));
            // Leave room for the step search and the binary search that follow the estimate.
            int reserve = 60;
            active = active.Where(i => state.Queries[i] + Math.Min(evaluations, 10) + reserve <= settings.Queries).ToArray();
            if (active.Length == 0) break;
            var samples = active.Select(i => Math.Min(evaluations, settings.Queries - state.Queries[i] - reserve)).ToArray();
            var deltas = active.Select(i => t == 1 ? 0.1 : (settings.Norm == Norm.L2 ? Math.Sqrt(d) : d) * theta * state.Distance[i]).ToArray();
            var directions = state.EstimateDirections(active, samples, deltas, random);
            state.GeometricStep(active, directions, t);
            state.BinarySearch(active, tolerance);
        }
        return state.Result();
    }
}
