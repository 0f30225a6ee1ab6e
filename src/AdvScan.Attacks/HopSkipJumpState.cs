namespace AdvScan.Attacks;

/// <summary>
/// Per-example state of one <see cref="HopSkipJump"/> run: the current boundary point, its distance to the clean
/// example and the queries spent. Every step works on a set of rows at once so the oracle sees large batches.
/// </summary>
internal sealed class HopSkipJumpState(float[] clean, int[] labels, int n, int d, AttackSettings settings, LabelOracle oracle)
{
    /// <summary>Images per oracle call while estimating gradients: large enough to batch well, small enough to stay in cache.</summary>
    private const int ChunkImages = 2048;
    private const int StepHalvings = 20;

    private readonly float[] adversarial = new float[clean.Length];
    private readonly bool[] found = new bool[n];
    private readonly bool[] done = new bool[n];

    public double[] Distance { get; } = Enumerable.Repeat(double.PositiveInfinity, n).ToArray();
    public int[] Queries { get; } = new int[n];

    private bool Fools(int row, int label) => settings.TargetClass is { } t ? label == t : label != labels[row];

    /// <summary>Queries one image per listed row (images row-major in <paramref name="batch"/>); true where it fools that row.</summary>
    private bool[] Query(int[] rows, float[] batch)
    {
        var predicted = oracle.Labels(batch, rows.Length);
        var fools = new bool[rows.Length];
        for (int k = 0; k < rows.Length; k++) { Queries[rows[k]]++; fools[k] = Fools(rows[k], predicted[k]); }
        return fools;
    }

    /// <summary>
    /// Starting points: an example the model already gets wrong starts (and ends) at itself; otherwise the nearest other
    /// example of the batch that the model puts in a fooling class (labels already queried, so free), else uniform noise.
    /// </summary>
    public void Initialise(Random random, int noiseDraws)
    {
        var all = Enumerable.Range(0, n).ToArray();
        var predicted = oracle.Labels(clean, n);
        foreach (var i in all) Queries[i]++;
        foreach (var i in all)
        {
            if (Fools(i, predicted[i])) { Array.Copy(clean, i * d, adversarial, i * d, d); found[i] = true; Distance[i] = 0; continue; }
            int best = -1;
            double nearest = double.PositiveInfinity;
            for (int j = 0; j < n; j++)
            {
                if (j == i || !Fools(i, predicted[j])) continue;
                double dist = DistanceOf(clean.AsSpan(j * d, d), clean.AsSpan(i * d, d));
                if (dist < nearest) (best, nearest) = (j, dist);
            }
            if (best < 0) continue;
            Array.Copy(clean, best * d, adversarial, i * d, d);
            found[i] = true;
        }
        for (int draw = 0; draw < noiseDraws; draw++)
        {
            var rows = all.Where(i => !found[i]).ToArray();
            if (rows.Length == 0) break;
            var noise = new float[rows.Length * d];
            for (int k = 0; k < noise.Length; k++) noise[k] = (float)random.NextDouble();
            var fools = Query(rows, noise);
            for (int k = 0; k < rows.Length; k++)
                if (fools[k]) { Array.Copy(noise, k * d, adversarial, rows[k] * d, d); found[rows[k]] = true; }
        }
    }

    /// <summary>Rows still worth attacking; rows already inside the budget are closed as successes.</summary>
    public int[] Open()
    {
        var open = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (!found[i] || done[i]) continue;
            if (Within(i)) done[i] = true;
            else open.Add(i);
        }
        return open.ToArray();
    }

    private bool Within(int i) => Distance[i] <= settings.Epsilon * (1 + 1e-6);

    /// <summary>
    /// Moves each row's point to the boundary along the segment to its clean example (L2: blend; L-inf: clip to the
    /// cube of radius alpha times the current L-inf distance), keeping the adversarial end, to the given precision.
    /// </summary>
    public void BinarySearch(int[] rows, double tolerance)
    {
        if (rows.Length == 0) return;
        var far = new float[rows.Length * d];
        for (int k = 0; k < rows.Length; k++) Array.Copy(adversarial, rows[k] * d, far, k * d, d);
        var radius = rows.Select((i, k) => LInf(far.AsSpan(k * d, d), clean.AsSpan(i * d, d))).ToArray();
        var low = new double[rows.Length];
        var high = Enumerable.Repeat(1.0, rows.Length).ToArray();
        while (true)
        {
            var open = Enumerable.Range(0, rows.Length).Where(k => high[k] - low[k] > tolerance).ToArray();
            if (open.Length == 0) break;
            var batch = new float[open.Length * d];
            for (int m = 0; m < open.Length; m++)
                Blend(rows[open[m]], far.AsSpan(open[m] * d, d), (low[open[m]] + high[open[m]]) / 2, radius[open[m]], batch.AsSpan(m * d, d));
            var fools = Query(open.Select(k => rows[k]).ToArray(), batch);
            for (int m = 0; m < open.Length; m++)
            {
                int k = open[m];
                double mid = (low[k] + high[k]) / 2;
                if (fools[m]) high[k] = mid; else low[k] = mid;
            }
        }
        for (int k = 0; k < rows.Length; k++)
        {
            int i = rows[k];
            Blend(i, far.AsSpan(k * d, d), high[k], radius[k], adversarial.AsSpan(i * d, d));
            Distance[i] = DistanceOf(adversarial.AsSpan(i * d, d), clean.AsSpan(i * d, d));
        }
    }

    private void Blend(int row, ReadOnlySpan<float> far, double alpha, double radius, Span<float> into)
    {
        var x0 = clean.AsSpan(row * d, d);
        if (settings.Norm == Attacks.Norm.L2)
            for (int p = 0; p < d; p++) into[p] = (float)(x0[p] + alpha * (far[p] - x0[p]));
        else
        {
            float r = (float)(alpha * radius);
            for (int p = 0; p < d; p++) into[p] = Math.Clamp(far[p], x0[p] - r, x0[p] + r);
        }
    }

    /// <summary>
    /// Monte-Carlo estimate of the boundary normal at each row's point: the labels of <paramref name="samples"/> random
    /// points at distance delta (Gaussian directions for L2, uniform in the cube for L-inf, as the paper samples),
    /// baseline-subtracted. Returns unit L2 directions (L2) or their signs (L-inf), row-major.
    /// </summary>
    public float[] EstimateDirections(int[] rows, int[] samples, double[] deltas, Random random)
    {
        var directions = new float[rows.Length * d];
        int start = 0;
        while (start < rows.Length)
        {
            int end = start, images = 0;
            while (end < rows.Length && (end == start || images + samples[end] <= ChunkImages)) images += samples[end++];
            var owners = new int[images];
            var batch = new float[images * d];
            var offsets = new float[images * d];
            int at = 0;
            for (int k = start; k < end; k++)
            {
                var x = adversarial.AsSpan(rows[k] * d, d);
                for (int b = 0; b < samples[k]; b++, at++)
                {
                    owners[at] = rows[k];
                    var u = offsets.AsSpan(at * d, d);
                    double norm = 0;
                    for (int p = 0; p < d; p++) { u[p] = (float)(settings.Norm == Attacks.Norm.L2 ? Gaussian(random) : random.NextDouble() * 2 - 1); norm += u[p] * u[p]; }
                    float scale = (float)(deltas[k] / Math.Sqrt(norm));
                    for (int p = 0; p < d; p++)
                    {
                        float v = Math.Clamp(x[p] + u[p] * scale, 0f, 1f);
                        batch[at * d + p] = v;
                        // The effective offset after clipping to the pixel box, as the estimator needs it.
                        u[p] = (float)((v - x[p]) / deltas[k]);
                    }
                }
            }
            var fools = Query(owners, batch);
            at = 0;
            for (int k = start; k < end; k++)
            {
                double mean = 0;
                for (int b = 0; b < samples[k]; b++) mean += fools[at + b] ? 1 : -1;
                mean /= samples[k];
                // All samples on one side: no baseline, or every weight would be zero.
                double baseline = Math.Abs(mean) == 1 ? 0 : mean;
                var g = new double[d];
                for (int b = 0; b < samples[k]; b++, at++)
                {
                    double w = (fools[at] ? 1 : -1) - baseline;
                    for (int p = 0; p < d; p++) g[p] += w * offsets[at * d + p];
                }
                var dir = directions.AsSpan(k * d, d);
                double length = Math.Sqrt(g.Sum(v => v * v)) + 1e-12;
                for (int p = 0; p < d; p++) dir[p] = settings.Norm == Attacks.Norm.L2 ? (float)(g[p] / length) : Math.Sign(g[p]);
            }
            start = end;
        }
        return directions;
    }

    /// <summary>Steps each row's point along its direction by distance / sqrt(t), halving until it still fools.</summary>
    public void GeometricStep(int[] rows, float[] directions, int t)
    {
        var size = rows.Select(i => Distance[i] / Math.Sqrt(t)).ToArray();
        var open = Enumerable.Range(0, rows.Length).ToList();
        for (int halving = 0; halving < StepHalvings && open.Count > 0; halving++)
        {
            var batch = new float[open.Count * d];
            for (int m = 0; m < open.Count; m++)
            {
                int k = open[m], i = rows[k];
                for (int p = 0; p < d; p++)
                    batch[m * d + p] = Math.Clamp(adversarial[i * d + p] + (float)size[k] * directions[k * d + p], 0f, 1f);
            }
            var fools = Query(open.Select(k => rows[k]).ToArray(), batch);
            var next = new List<int>();
            for (int m = 0; m < open.Count; m++)
            {
                int k = open[m];
                if (fools[m]) Array.Copy(batch, m * d, adversarial, rows[k] * d, d);
                else { size[k] /= 2; next.Add(k); }
            }
            open = next;
        }
    }

    /// <summary>Rows brought inside the budget keep their point; the rest return clean and count as not fooled.</summary>
    public ScoreAttackResult Result()
    {
        var result = (float[])clean.Clone();
        var fooled = new bool[n];
        for (int i = 0; i < n; i++)
            if (found[i] && Within(i)) { Array.Copy(adversarial, i * d, result, i * d, d); fooled[i] = true; }
        return new ScoreAttackResult(result, fooled, Queries);
    }

    private double DistanceOf(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => settings.Norm == Attacks.Norm.L2 ? L2(a, b) : LInf(a, b);

    private static double L2(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int p = 0; p < a.Length; p++) s += (double)(a[p] - b[p]) * (a[p] - b[p]);
        return Math.Sqrt(s);
    }

    private static double LInf(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double m = 0;
        for (int p = 0; p < a.Length; p++) m = Math.Max(m, Math.Abs((double)a[p] - b[p]));
        return m;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
