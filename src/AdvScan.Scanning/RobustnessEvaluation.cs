using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Scanning;

/// <summary>A batch of labelled examples in [0,1] pixel space, NCHW, row-major.</summary>
public sealed record LabeledBatch(float[] Pixels, long[] Shape, int[] Labels);

/// <summary>How pixels become the model's input: differentiably for attacks, on the host for ONNX Runtime.</summary>
public sealed record PixelMapping(Func<Tensor, Tensor> ToModelInput, Func<float[], long[], (float[] Data, long[] Shape)> ToModelInputHost)
{
    public static PixelMapping Identity { get; } = new(t => t, (d, s) => (d, s));
}

/// <summary>One point of a robustness curve: everything measured at one budget.</summary>
/// <param name="RuntimeDisagreements">Attacked examples where the crafting model's verdict differs from ONNX Runtime's (white-box only).</param>
/// <param name="Transfer">Transfer attacks: of the examples that fooled the surrogate, the share that also fool the target.</param>
/// <param name="MedianQueries">
/// Score-based attacks: the median number of queries spent on an example this budget's run broke (examples broken at a
/// smaller budget are not attacked again); null for attacks that do not count queries per example, or when none broke.
/// </param>
public sealed record RobustnessPoint(
    double Epsilon,
    Proportion CleanAccuracy,
    Proportion RobustAccuracy,
    Proportion AttackSuccess,
    double MeanPerturbation,
    double MedianPerturbation,
    int RuntimeDisagreements,
    int Attacked,
    Proportion? Transfer = null,
    double? MedianQueries = null)
{
    public Proportion DisagreementRate => Proportion.Of(RuntimeDisagreements, Attacked);
}

/// <summary>What attacking a model across budgets found. Every verdict is ONNX Runtime's.</summary>
public sealed record RobustnessResult(string Attack, Norm Norm, AttackSettings Settings, IReadOnlyList<RobustnessPoint> Curve, double? MedianMinimalL2, long GradientEvaluations, long Queries)
{
    /// <summary>
    /// Per budget (in curve order), per evaluated example (in sample order), whether it stayed correct in ONNX Runtime:
    /// what the worst case over attacks is computed from (<see cref="WorstCase"/>). Not written to reports; null when
    /// the result was read back from one.
    /// </summary>
    public IReadOnlyList<bool[]>? RobustByBudget { get; init; }

    /// <summary>
    /// Per budget and example like <see cref="RobustByBudget"/>, the size (in <see cref="Norm"/>) of the example that
    /// broke it, NaN where it was correct and not broken: the worst case reports the norms of the examples that won.
    /// </summary>
    public IReadOnlyList<double[]>? PerturbationByBudget { get; init; }

    /// <summary>Per evaluated example (in sample order), whether ONNX Runtime classified it correctly before any attack; not written to reports.</summary>
    public bool[]? CleanCorrect { get; init; }
}

/// <summary>Adversarial examples for some rows of a batch, and what the crafting side believed about them.</summary>
/// <param name="CraftFooled">Whether each fooled the model it was crafted on (null when crafted on the deployed model itself).</param>
/// <param name="QueriesPerExample">Score-based attacks: queries spent on each row.</param>
/// <param name="Sizes">
/// Each row's perturbation size in the attack's own measure, where pixels cannot tell it (a rotation's share of its
/// range); null measures it from the pixels in the attack's norm.
/// </param>
public sealed record CraftedBatch(float[] Adversarial, bool[]? CraftFooled, long GradientEvaluations, long Queries, float[]? MinimalL2 = null,
    int[]? QueriesPerExample = null, float[]? Sizes = null);

/// <summary>
/// How one example fared at the largest budget, for per-class figures and the report's image gallery. Verdicts and
/// confidences are ONNX Runtime's; <see cref="Adversarial"/> is the example that broke it (null when it stayed robust).
/// </summary>
/// <param name="Position">The example's 0-based position in the sequence of batches evaluated (its place in the sample).</param>
public sealed record ExampleOutcome(int Label, float[] Clean, long[] ImageShape, int CleanPrediction, float CleanConfidence,
    bool Robust, float[]? Adversarial, int AdversarialPrediction, float AdversarialConfidence, int Position = -1);

/// <summary>Crafts adversarial examples for host pixels ([N,C,H,W] in [0,1]) at one budget.</summary>
public delegate CraftedBatch Craft(float[] pixels, long[] shape, int[] labels, AttackSettings settings, CancellationToken cancellationToken);

/// <summary>
/// Runs a white-box attack over a dataset for a list of budgets. Adversarial examples are crafted on the
/// differentiable graph and then re-scored by ONNX Runtime, the deployment runtime: robust accuracy is what ONNX Runtime
/// predicts, and examples where the two runtimes disagree are counted. Budgets are processed in increasing order and
/// an example fooled at a smaller budget counts as fooled at every larger one (its adversarial example is still inside
/// the larger ball), so the curve is non-increasing by construction and larger budgets only attack what is left.
/// </summary>
public sealed class RobustnessEvaluation(ReferenceSession runtime, PixelMapping mapping)
{
    /// <summary>White-box: craft on the differentiable graph (behind the same pixel mapping), verify on ONNX Runtime.</summary>
    public static Craft WhiteBox(IEvasionAttack attack, OnnxGraph graph, PixelMapping mapping)
    {
        // Probability outputs are attacked as log-probabilities; decided once, on the first batch the graph scores.
        GraphClassifier? classifier = null;
        return (pixels, shape, labels, settings, cancellationToken) =>
        {
            classifier ??= new GraphClassifier(graph, mapping.ToModelInput, OutputsProbabilities(graph, mapping, pixels, shape));
            if (!attack.Norms.Contains(settings.Norm))
                throw new InvalidInputException(null, $"attack '{attack.Name}' does not support the {settings.Norm} norm");
            using var scope = torch.NewDisposeScope();
            var x = torch.tensor(pixels, shape).to(graph.Device);
            var y = torch.tensor(labels.Select(l => (long)l).ToArray(), [labels.Length]).to(graph.Device);
            var result = attack.Attack(classifier, x, y, settings, cancellationToken);
            return new CraftedBatch(TensorConversion.ToHostFloats(result.Adversarial), result.Fooled.cpu().data<bool>().ToArray(),
                result.GradientEvaluations, result.Queries, result.MinimalL2);
        };
    }

    /// <summary>Whether the graph's outputs on these pixels are probabilities rather than logits (<see cref="ProbabilityOutputs"/>).</summary>
    public static bool OutputsProbabilities(OnnxGraph graph, PixelMapping mapping, float[] pixels, long[] shape)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var output = graph.forward(mapping.ToModelInput(torch.tensor(pixels, shape).to(graph.Device)));
        return ProbabilityOutputs.Detect(TensorConversion.ToHostFloats(output), (int)shape[0]);
    }

    /// <summary>Score-based black-box: the attack queries ONNX Runtime itself, so there is nothing to disagree with.</summary>
    public static Craft BlackBox(IScoreBasedAttack attack, RuntimeOracle oracle) =>
        (pixels, shape, labels, settings, cancellationToken) =>
        {
            if (!attack.Norms.Contains(settings.Norm))
                throw new InvalidInputException(null, $"attack '{attack.Name}' does not support the {settings.Norm} norm");
            var result = attack.Attack(oracle, pixels, shape, labels, settings, cancellationToken);
            return new CraftedBatch(result.Adversarial, null, 0, result.QueriesUsed.Sum(q => (long)q), QueriesPerExample: result.QueriesUsed);
        };

    public RobustnessResult Run(IEvasionAttack attack, OnnxGraph graph, AttackSettings settings, IReadOnlyList<double> epsilons,
        IEnumerable<LabeledBatch> batches, IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        Run(attack.Name, WhiteBox(attack, graph, mapping), settings, epsilons, batches, transfer: false, progress, cancellationToken);

    /// <param name="transfer">The crafting model is a surrogate: its verdicts measure transfer, not runtime disagreement.</param>
    /// <param name="observe">Called for every correctly classified example, in data order, with its outcome at the largest budget.</param>
    public RobustnessResult Run(string attackName, Craft craft, AttackSettings settings, IReadOnlyList<double> epsilons,
        IEnumerable<LabeledBatch> batches, bool transfer = false, IProgress<int>? progress = null, CancellationToken cancellationToken = default,
        Action<ExampleOutcome>? observe = null)
    {
        var budgets = Budgets(attackName, settings, epsilons);
        var accumulator = new RobustnessAccumulator(attackName, settings, budgets, transfer, progress, observe);
        int batchIndex = 0;
        foreach (var batch in batches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            accumulator.Add(batch, AttackBatch(craft, batch, batchIndex++, settings, budgets, transfer, observe is not null, cancellationToken));
        }
        return accumulator.Result();
    }

    /// <summary>The distinct budgets in increasing order, each validated; refused when there are none.</summary>
    internal static double[] Budgets(string attackName, AttackSettings settings, IReadOnlyList<double> epsilons)
    {
        var budgets = epsilons.Distinct().OrderBy(e => e).ToArray();
        if (budgets.Length == 0) throw new InvalidInputException(null, $"attack '{attackName}' has no budgets to run");
        foreach (var e in budgets) (settings with { Epsilon = e }).Validate();
        return budgets;
    }

    /// <summary>
    /// Attacks one batch at every budget and judges every example on ONNX Runtime: everything the run's figures need
    /// from this batch, per example and budget (<see cref="BatchOutcome"/>), which is also what the verdict cache keeps.
    /// The crafting seed depends on the scan's seed, the batch's index and the budget only.
    /// </summary>
    /// <param name="keepAdversarial">Keep the pixels of the examples that broke (for the report's gallery).</param>
    internal BatchOutcome AttackBatch(Craft craft, LabeledBatch batch, int batchIndex, AttackSettings settings, double[] budgets, bool transfer,
        bool keepAdversarial, CancellationToken cancellationToken)
    {
        int n = budgets.Length;
        int count = batch.Labels.Length;
        int size = batch.Pixels.Length / count;
        // Judged here even when the scanner has just judged the same batch for clean accuracy: on a randomised model
        // (input noise) the two judgements differ, and the masking check flags exactly that (ADV1016).
        var (clean, cleanConfidence) = Predict(batch.Pixels, batch.Shape);
        var outcome = new BatchOutcome(count, n) { Transfer = transfer };
        Array.Copy(clean, outcome.Clean, count);
        Array.Copy(cleanConfidence, outcome.CleanConfidence, count);
        var stillRobust = Enumerable.Range(0, count).Where(i => clean[i] == batch.Labels[i]).ToList();
        var perturbation = new double[count];
        // A minimal-perturbation attack's smallest fooling norm per example, over every budget that attacked it:
        // examples broken at a small budget are not attacked again, so the last budget alone would see only the hardest.
        var smallestFound = outcome.SmallestFound;

        for (int b = 0; b < n; b++)
        {
            double eps = budgets[b];
            if (eps > 0 && stillRobust.Count > 0)
            {
                var rows = stillRobust.ToArray();
                var pixels = Gather(batch.Pixels, size, rows);
                long[] shape = [rows.Length, .. batch.Shape[1..]];
                var crafted = craft(pixels, shape, rows.Select(i => batch.Labels[i]).ToArray(),
                    settings with { Epsilon = eps, Seed = settings.Seed + 7919L * batchIndex + b }, cancellationToken);
                outcome.GradientEvaluations += crafted.GradientEvaluations;
                outcome.Queries += crafted.Queries;
                var (verdict, confidence) = Predict(crafted.Adversarial, shape);
                if (crafted.MinimalL2 is { } m)
                    for (int k = 0; k < rows.Length; k++) smallestFound[rows[k]] = Math.Min(smallestFound[rows[k]], m[k]);
                outcome.CountsQueries |= crafted.QueriesPerExample is not null;
                var survivors = new List<int>();
                for (int k = 0; k < rows.Length; k++)
                {
                    int i = rows[k];
                    bool runtimeFooled = settings.TargetClass is { } t ? verdict[k] == t : verdict[k] != batch.Labels[i];
                    bool runtimeCorrect = verdict[k] == batch.Labels[i];
                    outcome.Attacked[b]++;
                    if (crafted.CraftFooled is { } craftFooled)
                    {
                        if (transfer && craftFooled[k]) { outcome.SurrogateFooled[b]++; if (runtimeFooled) outcome.Transferred[b]++; }
                        else if (!transfer && runtimeFooled != craftFooled[k]) outcome.Disagreements[b]++;
                    }
                    if (runtimeCorrect) survivors.Add(i);
                    else
                    {
                        perturbation[i] = crafted.Sizes?[k] ?? PerturbationSize.Of(crafted.Adversarial.AsSpan(k * size, size), batch.Pixels.AsSpan(i * size, size), settings.Norm);
                        if (crafted.QueriesPerExample is { } q) outcome.QueriesToBreak[b].Add(q[k]);
                        outcome.Broke[i] = (keepAdversarial ? crafted.Adversarial.AsSpan(k * size, size).ToArray() : [], verdict[k], confidence[k]);
                    }
                }
                stillRobust = survivors;
            }
            var standing = stillRobust.ToHashSet();
            for (int i = 0; i < count; i++)
            {
                outcome.Robust[b][i] = standing.Contains(i);
                outcome.BrokenSize[b][i] = clean[i] == batch.Labels[i] && !standing.Contains(i) ? perturbation[i] : double.NaN;
            }
        }
        outcome.KeptAdversarial = keepAdversarial;
        return outcome;
    }

    private (int[] Predictions, float[] Confidences) Predict(float[] pixels, long[] shape) => Predictions.Predict(runtime, mapping, pixels, shape);

    private static float[] Gather(float[] pixels, int size, int[] rows)
    {
        var result = new float[rows.Length * size];
        for (int k = 0; k < rows.Length; k++) Array.Copy(pixels, rows[k] * size, result, k * size, size);
        return result;
    }

    internal static double Median(List<double> values)
    {
        if (values.Count == 0) return 0;
        var sorted = values.OrderBy(v => v).ToList();
        int mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
