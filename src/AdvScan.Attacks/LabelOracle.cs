namespace AdvScan.Attacks;

/// <summary>The hard-label view of a score oracle: only the predicted class of each row leaves it.</summary>
public sealed class LabelOracle(IScoreOracle oracle, long[] imageShape)
{
    public long Queries { get; private set; }

    /// <summary>Predicted classes of <paramref name="count"/> images (row-major, each the size of one image of the batch shape).</summary>
    public int[] Labels(float[] pixels, int count)
    {
        if (count == 0) return [];
        Queries += count;
        var scores = oracle.Scores(pixels, [count, .. imageShape[1..]]);
        int classes = scores.Length / count;
        var result = new int[count];
        for (int k = 0; k < count; k++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (scores[k * classes + c] > scores[k * classes + best]) best = c;
            result[k] = best;
        }
        return result;
    }
}
