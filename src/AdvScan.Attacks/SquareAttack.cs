namespace AdvScan.Attacks;

/// <summary>
/// Square Attack (Andriushchenko et al. 2020), L-inf, score-based: needs only the model's outputs, so it runs through
/// ONNX Runtime on models the importer cannot differentiate. Starts from vertical stripes of +-eps, then each query
/// proposes re-drawing one random square window (side shrinking on the published schedule) to +-eps per channel and
/// keeps it if the margin loss Z_y - max_{i != y} Z_i decreases. An example stops when fooled or out of queries.
/// </summary>
public sealed class SquareAttack : IScoreBasedAttack
{
    public string Name => "square";
    public IReadOnlyList<Norm> Norms { get; } = [Norm.LInf];
    public IReadOnlyList<string> Keys { get; } = [AttackKeys.Queries, AttackKeys.TargetClass];

    public string Describe(AttackSettings s) => AttackKeys.Describe(s, AttackKeys.Invariant($"{s.Queries} queries per image"));

    /// <summary>Initial fraction of pixels a square covers (the paper's p_init).</summary>
    public double InitialFraction { get; init; } = 0.05;

    public ScoreAttackResult Attack(IScoreOracle oracle, float[] pixels, long[] shape, int[] labels, AttackSettings settings, CancellationToken cancellationToken = default)
    {
        if (settings.Norm != Norm.LInf) throw new InvalidInputException(null, "the square attack is implemented for L-inf; use --norm linf");
        int n = (int)shape[0], channels = (int)shape[1], height = (int)shape[2], width = (int)shape[3];
        int size = channels * height * width;
        float eps = (float)settings.Epsilon;
        var random = new Random(unchecked((int)settings.Seed));
        var adversarial = new float[pixels.Length];
        var queries = new int[n];
        var fooled = new bool[n];

        // Vertical stripes: one random sign per (channel, column).
        for (int i = 0; i < n; i++)
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
        var margins = Margins(oracle, adversarial, shape, labels, settings.TargetClass, Enumerable.Range(0, n).ToArray());
        for (int i = 0; i < n; i++) { queries[i] = 1; fooled[i] = margins[i] < 0; }

        for (int iteration = 1; iteration < settings.Queries; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var active = Enumerable.Range(0, n).Where(i => !fooled[i]).ToArray();
            if (active.Length == 0) break;
            double p = Fraction(InitialFraction, iteration, settings.Queries);
            int side = Math.Clamp((int)Math.Round(Math.Sqrt(p * size / channels)), 1, Math.Min(height, width) - 1);
            var candidate = new float[active.Length * size];
            for (int k = 0; k < active.Length; k++)
            {
                int i = active[k];
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
