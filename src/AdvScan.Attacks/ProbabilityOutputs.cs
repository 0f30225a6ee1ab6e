namespace AdvScan.Attacks;

/// <summary>
/// Whether a model's outputs are probabilities (every row non-negative and summing to 1) rather than logits. Attacking
/// probabilities with cross-entropy applies a second softmax, whose gradient vanishes as the first one saturates: a
/// classic cause of gradient masking. The white-box classifier then attacks their logarithm, which is the logits up
/// to a per-row constant, and the masking check reports it.
/// </summary>
public static class ProbabilityOutputs
{
    /// <summary>Tolerance on each row's sum: float32 softmax sums stay within about 1e-6 of 1 for ten classes.</summary>
    public const double SumTolerance = 1e-4;

    public static bool Detect(ReadOnlySpan<float> scores, int rows)
    {
        if (rows <= 0 || scores.Length % rows != 0) return false;
        int classes = scores.Length / rows;
        if (classes < 2) return false;
        for (int i = 0; i < rows; i++)
        {
            double sum = 0;
            foreach (var v in scores.Slice(i * classes, classes))
            {
                if (!(v >= 0)) return false;
                sum += v;
            }
            if (Math.Abs(sum - 1) > SumTolerance) return false;
        }
        return true;
    }
}
