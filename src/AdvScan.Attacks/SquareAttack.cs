namespace AdvScan.Attacks;

/// <summary>
/// Square Attack (Andriushchenko et al. 2020), score-based: needs only the model's outputs, so it runs through ONNX
/// Runtime on models the importer cannot differentiate. Random search on the margin loss Z_y - max_{i != y} Z_i: each
/// query proposes a change inside random square windows (side shrinking on the published schedule) and keeps it only if
/// the loss decreases. L-inf starts from vertical stripes of +-eps and re-draws one window to +-eps per channel; L2
/// (<see cref="SquareL2Proposal"/>) starts from centred-square tiles of norm eps and moves energy between two windows,
/// keeping the norm at eps. An example stops when fooled or out of queries.
/// </summary>
public sealed class SquareAttack : IScoreBasedAttack
{
    public string Name => "square";
    public IReadOnlyList<Norm> Norms { get; } = [Norm.LInf, Norm.L2];
    public IReadOnlyList<string> Keys { get; } = [AttackKeys.Queries, AttackKeys.TargetClass];

    public string Describe(AttackSettings s) => AttackKeys.Describe(s, AttackKeys.Invariant($"{s.Queries} queries per image"));

    /// <summary>Initial fraction of pixels a square covers (the paper's p_init); null is the paper's default for the norm, 0.05 L-inf, 0.1 L2.</summary>
    public double? InitialFraction { get; init; }

    public ScoreAttackResult Attack(IScoreOracle oracle, float[] pixels, long[] shape, int[] labels, AttackSettings settings, CancellationToken cancellationToken = default) =>
        Run(oracle, pixels, shape, labels, settings, Enumerable.Range(0, (int)shape[0]).ToArray(), cancellationToken);

    /// <param name="rowIds">Each example's row in the caller's whole batch. It seeds that example's own random stream, so
    /// an example gets the same draws whichever other examples share the call (an ensemble passes only those still standing).</param>
    public ScoreAttackResult Run(IScoreOracle oracle, float[] pixels, long[] shape, int[] labels, AttackSettings settings, int[] rowIds, CancellationToken cancellationToken = default)
    {
        int n = (int)shape[0], channels = (int)shape[1], height = (int)shape[2], width = (int)shape[3];
        int size = channels * height * width;
        bool l2 = settings.Norm == Norm.L2;
        double initial = InitialFraction ?? (l2 ? 0.1 : 0.05);
        float eps = (float)settings.Epsilon;
        var randoms = rowIds.Select(row => new Random(StreamSeed(settings.Seed, row))).ToArray();
        var adversarial = new float[pixels.Length];
        var queries = new int[n];
        var fooled = new bool[n];

        for (int i = 0; i < n; i++)
            if (l2) SquareL2Proposal.Initialise(pixels.AsSpan(i * size, size), adversarial.AsSpan(i * size, size), channels, height, width, settings.Epsilon, randoms[i]);
            else Stripes(pixels, adversarial, i, channels, height, width, eps, randoms[i]);
        var margins = Margins(oracle, adversarial, shape, labels, settings.TargetClass, Enumerable.Range(0, n).ToArray());
        for (int i = 0; i < n; i++) { queries[i] = 1; fooled[i] = margins[i] < 0; }

        for (int iteration = 1; iteration < settings.Queries; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var active = Enumerable.Range(0, n).Where(i => !fooled[i]).ToArray();
            if (active.Length == 0) break;
            double p = Fraction(initial, iteration, settings.Queries);
            int side = l2
                ? SquareL2Proposal.Side(p, size, channels, height, width)
                : Math.Clamp((int)Math.Round(Math.Sqrt(p * size / channels)), 1, Math.Min(height, width) - 1);
            var candidate = new float[active.Length * size];
            for (int k = 0; k < active.Length; k++)
            {
                int i = active[k];
                if (l2)
                    SquareL2Proposal.Propose(pixels.AsSpan(i * size, size), adversarial.AsSpan(i * size, size), candidate.AsSpan(k * size, size),
                        channels, height, width, side, settings.Epsilon, randoms[i]);
                else
                    Window(pixels, adversarial, candidate, i, k, channels, height, width, side, eps, randoms[i]);
            }
            var candidateMargins = Margins(oracle, candidate, [active.Length, channels, height, width], labels, settings.TargetClass, active);
            for (int k = 0; k < active.Length; k++)
            {
                int i = active[k];
                queries[i]++;
                if (candidateMargins[k] < margins[i])
                {
                    margins[i] = candidateMargins[k];
                    Array.Copy(candidate, k * size, adversarial, i * size, size);
                    fooled[i] = margins[i] < 0;
                }
            }
        }
        return new ScoreAttackResult(adversarial, fooled, queries);
    }

    /// <summary>L-inf start: vertical stripes, one random sign per (channel, column).</summary>
    private static void Stripes(float[] pixels, float[] adversarial, int i, int channels, int height, int width, float eps, Random random)
    {
        int size = channels * height * width;
        for (int c = 0; c < channels; c++)
            for (int col = 0; col < width; col++)
            {
                float sign = random.Next(2) == 0 ? -eps : eps;
                for (int row = 0; row < height; row++)
                {
                    int at = i * size + (c * height + row) * width + col;
                    adversarial[at] = Math.Clamp(pixels[at] + sign, 0f, 1f);
                }
            }
    }

    /// <summary>L-inf proposal: example i's current point with one random window re-drawn to +-eps per channel, into candidate row k.</summary>
    private static void Window(float[] pixels, float[] adversarial, float[] candidate, int i, int k, int channels, int height, int width, int side, float eps, Random random)
    {
        int size = channels * height * width;
        Array.Copy(adversarial, i * size, candidate, k * size, size);
        int top = random.Next(height - side + 1), left = random.Next(width - side + 1);
        for (int c = 0; c < channels; c++)
        {
            float sign = random.Next(2) == 0 ? -eps : eps;
            for (int row = top; row < top + side; row++)
                for (int col = left; col < left + side; col++)
                {
                    int offset = (c * height + row) * width + col;
                    candidate[k * size + offset] = Math.Clamp(pixels[i * size + offset] + sign, 0f, 1f);
                }
        }
    }

    /// <summary>A seed per (run seed, row), mixed (splitmix64) so neighbouring rows and seeds get unrelated streams.</summary>
    private static int StreamSeed(long seed, int row)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)row + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return unchecked((int)(z ^ (z >> 31)));
    }

    /// <summary>The paper's schedule: the square's area fraction halves at fixed points of a 10,000-query run, rescaled to the budget.</summary>
    public static double Fraction(double initial, int iteration, int budget)
    {
        int it = (int)(iteration / (double)Math.Max(budget, 1) * 10000);
        int halvings = it switch
        {
            <= 10 => 0,
            <= 50 => 1,
            <= 200 => 2,
            <= 500 => 3,
            <= 1000 => 4,
            <= 2000 => 5,
            <= 4000 => 6,
            <= 6000 => 7,
            <= 8000 => 8,
            _ => 9,
        };
        return initial / Math.Pow(2, halvings);
    }

    /// <summary>Margin Z_y - max_{i != y} Z_i (targeted: max_{i != t} Z_i - Z_t); negative means fooled.</summary>
    private static float[] Margins(IScoreOracle oracle, float[] batch, long[] shape, int[] labels, int? target, int[] rows)
    {
        var scores = oracle.Scores(batch, shape);
        int classes = scores.Length / rows.Length;
        var margins = new float[rows.Length];
        for (int k = 0; k < rows.Length; k++)
        {
            int reference = target ?? labels[rows[k]];
            float referenceScore = scores[k * classes + reference];
            float other = float.NegativeInfinity;
            for (int j = 0; j < classes; j++)
                if (j != reference) other = Math.Max(other, scores[k * classes + j]);
            margins[k] = target is null ? referenceScore - other : other - referenceScore;
        }
        return margins;
    }
}
