using AdvScan.Attacks;

namespace AdvScan.Scanning;

/// <summary>
/// What attacking one batch at every budget found, per example and budget: everything a run's figures, its worst case
/// and its gallery need from that batch. It is the unit the verdict cache stores (<see cref="VerdictCache"/>), so a
/// batch read back gives exactly the figures a fresh attack gives.
/// </summary>
internal sealed class BatchOutcome
{
    public BatchOutcome(int count, int budgets)
    {
        Count = count;
        Clean = new int[count];
        CleanConfidence = new float[count];
        SmallestFound = Enumerable.Repeat(double.PositiveInfinity, count).ToArray();
        Broke = new (float[], int, float)?[count];
        Attacked = new int[budgets];
        Disagreements = new int[budgets];
        SurrogateFooled = new int[budgets];
        Transferred = new int[budgets];
        QueriesToBreak = Enumerable.Range(0, budgets).Select(_ => new List<double>()).ToArray();
        Robust = Enumerable.Range(0, budgets).Select(_ => new bool[count]).ToArray();
        BrokenSize = Enumerable.Range(0, budgets).Select(_ => new double[count]).ToArray();
    }

    public int Count { get; }
    public bool Transfer { get; set; }
    public bool CountsQueries { get; set; }
    public bool KeptAdversarial { get; set; }
    public long GradientEvaluations { get; set; }
    public long Queries { get; set; }

    /// <summary>ONNX Runtime's clean class and confidence per example.</summary>
    public int[] Clean { get; }
    public float[] CleanConfidence { get; }

    /// <summary>A minimal-perturbation attack's smallest fooling L2 per example (infinity when it found none).</summary>
    public double[] SmallestFound { get; }

    /// <summary>Per example, the adversarial example that broke it (pixels empty unless kept), ONNX Runtime's class and confidence on it.</summary>
    public (float[] Pixels, int Prediction, float Confidence)?[] Broke { get; }

    public int[] Attacked { get; }
    public int[] Disagreements { get; }
    public int[] SurrogateFooled { get; }
    public int[] Transferred { get; }
    public List<double>[] QueriesToBreak { get; }

    /// <summary>Per budget and example: still correct in ONNX Runtime.</summary>
    public bool[][] Robust { get; }

    /// <summary>Per budget and example: the size of the example that broke it, NaN where it was not broken (or not clean-correct).</summary>
    public double[][] BrokenSize { get; }
}

/// <summary>
/// Folds batch outcomes, in order, into one attack's <see cref="RobustnessResult"/>: the same sums in the same order
/// whether an outcome was just crafted or read from the cache, and whether the batches came in one pass or in the
/// rounds of a sequential scan.
/// </summary>
internal sealed class RobustnessAccumulator(string attackName, AttackSettings settings, double[] budgets, bool transfer, IProgress<int>? progress,
    Action<ExampleOutcome>? observe)
{
    private readonly int n = budgets.Length;
    private int correct, total;
    private readonly int[] robust = new int[budgets.Length], fooledCount = new int[budgets.Length], disagreements = new int[budgets.Length];
    private readonly int[] attacked = new int[budgets.Length], surrogateFooled = new int[budgets.Length], transferred = new int[budgets.Length];
    private readonly List<double>[] norms = Enumerable.Range(0, budgets.Length).Select(_ => new List<double>()).ToArray();
    private readonly List<bool>[] robustFlags = Enumerable.Range(0, budgets.Length).Select(_ => new List<bool>()).ToArray();
    private readonly List<double>[] brokenSizes = Enumerable.Range(0, budgets.Length).Select(_ => new List<double>()).ToArray();
    private readonly List<double>[] queriesToBreak = Enumerable.Range(0, budgets.Length).Select(_ => new List<double>()).ToArray();
    private readonly List<bool> cleanCorrect = [];
    private readonly List<double> minimal = [];
    private bool countsQueries, transfer = transfer;
    private long gradients, queries;

    /// <summary>Examples folded so far.</summary>
    public int Total => total;

    public void Add(LabeledBatch batch, BatchOutcome outcome)
    {
        int count = outcome.Count;
        transfer = outcome.Transfer;
        total += count;
        for (int i = 0; i < count; i++)
        {
            bool hit = outcome.Clean[i] == batch.Labels[i];
            cleanCorrect.Add(hit);
            if (hit) correct++;
        }
        for (int b = 0; b < n; b++)
        {
            robust[b] += outcome.Robust[b].Count(r => r);
            robustFlags[b].AddRange(outcome.Robust[b]);
            var sizes = outcome.BrokenSize[b];
            foreach (var s in sizes)
                if (!double.IsNaN(s)) { fooledCount[b]++; norms[b].Add(s); }
            brokenSizes[b].AddRange(sizes);
            attacked[b] += outcome.Attacked[b];
            disagreements[b] += outcome.Disagreements[b];
            surrogateFooled[b] += outcome.SurrogateFooled[b];
            transferred[b] += outcome.Transferred[b];
            queriesToBreak[b].AddRange(outcome.QueriesToBreak[b]);
        }
        minimal.AddRange(outcome.SmallestFound.Where(double.IsFinite));
        gradients += outcome.GradientEvaluations;
        queries += outcome.Queries;
        countsQueries |= outcome.CountsQueries;
        if (observe is not null)
        {
            int size = batch.Pixels.Length / count;
            long[] imageShape = [.. batch.Shape[1..]];
            for (int i = 0; i < count; i++)
            {
                if (outcome.Clean[i] != batch.Labels[i]) continue;
                var broke = outcome.Broke[i];
                observe(new ExampleOutcome(batch.Labels[i], batch.Pixels.AsSpan(i * size, size).ToArray(), imageShape, outcome.Clean[i], outcome.CleanConfidence[i],
                    broke is null, broke?.Pixels, broke?.Prediction ?? outcome.Clean[i], broke?.Confidence ?? outcome.CleanConfidence[i], total - count + i));
            }
        }
        progress?.Report(total);
    }

    public RobustnessResult Result()
    {
        var curve = budgets.Select((eps, b) => new RobustnessPoint(eps,
            Proportion.Of(correct, total), Proportion.Of(robust[b], total), Proportion.Of(fooledCount[b], correct),
            norms[b].Count == 0 ? 0 : norms[b].Average(), RobustnessEvaluation.Median(norms[b]), disagreements[b], attacked[b],
            transfer ? Proportion.Of(transferred[b], surrogateFooled[b]) : null,
            countsQueries && queriesToBreak[b].Count > 0 ? RobustnessEvaluation.Median(queriesToBreak[b]) : null)).ToList();
        return new RobustnessResult(attackName, settings.Norm, settings, curve, minimal.Count == 0 ? null : RobustnessEvaluation.Median(minimal), gradients, queries)
        {
            RobustByBudget = robustFlags.Select(f => f.ToArray()).ToList(),
            PerturbationByBudget = brokenSizes.Select(f => f.ToArray()).ToList(),
            CleanCorrect = cleanCorrect.ToArray(),
        };
    }
}
