using AdvScan.Attacks;

namespace AdvScan.Checks.Backdoor;

/// <summary>Scores and predictions of host images from a score oracle (ONNX Runtime in a scan), in bounded batches.</summary>
internal static class OracleBatches
{
    public const int Size = 256;

    /// <summary>Row-major [N, classes] scores of <paramref name="pixels"/> ([N,C,H,W]).</summary>
    public static float[] Scores(IScoreOracle oracle, float[] pixels, long[] shape, CancellationToken cancellationToken = default)
    {
        int n = checked((int)shape[0]), size = checked((int)(shape[1] * shape[2] * shape[3]));
        if (n == 0) return [];
        var all = new List<float>();
        for (int start = 0; start < n; start += Size)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(Size, n - start);
            all.AddRange(oracle.Scores(pixels.AsSpan(start * size, count * size).ToArray(), [count, shape[1], shape[2], shape[3]]));
        }
        return all.ToArray();
    }

    public static int[] Predict(IScoreOracle oracle, float[] pixels, long[] shape, CancellationToken cancellationToken = default)
    {
        var scores = Scores(oracle, pixels, shape, cancellationToken);
        int n = checked((int)shape[0]);
        if (n == 0) return [];
        int classes = scores.Length / n;
        var predictions = new int[n];
        for (int i = 0; i < n; i++)
        {
            var row = scores.AsSpan(i * classes, classes);
            for (int c = 1; c < classes; c++) if (row[c] > row[predictions[i]]) predictions[i] = c;
        }
        return predictions;
    }
}
