using AdvScan.Attacks;

namespace AdvScan.Attacks.Tests;

/// <summary>
/// A binary linear classifier (Flatten, Gemm; logits [0, w.x + b]) over side x side images, every example correctly
/// classified and placed at a chosen exact L2 distance |w.x + b| / ||w||_2 from the boundary: a uniform spread over
/// [0, 2 eps] for one budget eps, none within 1% of eps. Pixels stay in [0.3, 0.7], so budgets up to L2 0.3 never meet
/// the [0,1] box and the closed form (breakable iff the distance is at most eps) is exact. Unlike the 4x4
/// <see cref="LinearOracle"/>, images are large enough for Square's shrinking windows to matter.
/// </summary>
internal sealed class PlacedDistanceOracle : LinearModelOracle
{
    public PlacedDistanceOracle(int seed, int side, double eps, int count) : this(new Random(seed), side, eps, count) { }

    // Centre the boundary on the grey image, so placing an example moves its pixels only a little.
    private PlacedDistanceOracle(Random random, int side, double eps, int count)
        : base("placed-linear", side, random, (w, r) => (float)(-0.5 * w.Sum(v => (double)v)))
    {
        Features = side * side;
        double squared = Weights.Sum(v => (double)v * v);
        var pixels = new List<float>();
        var labels = new List<int>();
        var distances = new List<double>();
        while (labels.Count < count)
        {
            double distance = 2 * eps * random.NextDouble();
            if (Math.Abs(distance - eps) < 0.01 * eps) continue;
            int sign = random.Next(2) == 0 ? -1 : 1;
            var x = Enumerable.Range(0, Features).Select(_ => 0.35 + 0.3 * random.NextDouble()).ToArray();
            // Move x along w until its margin is sign * distance * ||w||_2.
            double shift = (sign * distance * Math.Sqrt(squared) - Margin(x)) / squared;
            for (int j = 0; j < Features; j++) x[j] += shift * Weights[j];
            if (x.Any(v => v < 0.3 || v > 0.7)) continue;
            var sample = x.Select(v => (float)v).ToArray();
            // Float rounding must not move the example across eps or the boundary.
            double placed = Margin(sample.AsSpan()) / L2;
            if (Math.Sign(placed) != sign || Math.Abs(Math.Abs(placed) - eps) < 0.005 * eps) continue;
            pixels.AddRange(sample);
            labels.Add(sign > 0 ? 1 : 0);
            distances.Add(Math.Abs(placed));
        }
        Pixels = pixels.ToArray();
        Labels = labels.ToArray();
        Distances = distances.ToArray();
    }

    public int Features { get; }

    /// <summary>Each example's exact minimal L2 distance to the decision boundary.</summary>
    public double[] Distances { get; }
}
