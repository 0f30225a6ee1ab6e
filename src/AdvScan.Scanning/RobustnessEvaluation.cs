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
public sealed record RobustnessPoint(
    double Epsilon,
    Proportion CleanAccuracy,
    Proportion RobustAccuracy,
    Proportion AttackSuccess,
    double MeanPerturbation,
    double MedianPerturbation,
    int RuntimeDisagreements);

/// <summary>What attacking a model across budgets found. Every verdict is ONNX Runtime's.</summary>
public sealed record RobustnessResult(string Attack, Norm Norm, AttackSettings Settings, IReadOnlyList<RobustnessPoint> Curve, double? MedianMinimalL2, long GradientEvaluations);

/// <summary>
/// Runs a white-box attack over a dataset for a list of budgets. Adversarial examples are crafted on the
/// differentiable graph and then re-scored by ONNX Runtime, the deployment runtime: robust accuracy is what ONNX Runtime
/// predicts, and examples where the two runtimes disagree are counted. Budgets are processed in increasing order and
/// an example fooled at a smaller budget counts as fooled at every larger one (its adversarial example is still inside
/// the larger ball), so the curve is non-increasing by construction and larger budgets only attack what is left.
/// </summary>
public sealed class RobustnessEvaluation(OnnxGraph graph, ReferenceSession runtime, PixelMapping mapping)
{
    public RobustnessResult Run(IEvasionAttack attack, AttackSettings settings, IReadOnlyList<double> epsilons,
        IEnumerable<LabeledBatch> batches, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!attack.Norms.Contains(settings.Norm))
            throw new InvalidInputException(null, $"attack '{attack.Name}' does not support the {settings.Norm} norm");
        var budgets = epsilons.Distinct().OrderBy(e => e).ToArray();
        foreach (var e in budgets) (settings with { Epsilon = e }).Validate();
        int n = budgets.Length;
        var correct = 0; var total = 0;
        var robust = new int[n]; var fooledCount = new int[n]; var disagreements = new int[n];
        var norms = Enumerable.Range(0, n).Select(_ => new List<double>()).ToArray();
        var minimal = new List<double>();
        long gradients = 0;
        var classifier = new GraphClassifier(graph, mapping.ToModelInput);
        int batchIndex = 0;

        foreach (var batch in batches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = batch.Labels.Length;
            int size = batch.Pixels.Length / count;
            var clean = Predict(batch.Pixels, batch.Shape);
            var stillRobust = Enumerable.Range(0, count).Where(i => clean[i] == batch.Labels[i]).ToList();
            total += count;
            correct += stillRobust.Count;
            var perturbation = new double[count];

            for (int b = 0; b < n; b++)
            {
                double eps = budgets[b];
                if (eps > 0 && stillRobust.Count > 0)
                {
                    using var scope = torch.NewDisposeScope();
                    var rows = stillRobust.ToArray();
                    var pixels = Gather(batch.Pixels, size, rows);
                    long[] shape = [rows.Length, .. batch.Shape[1..]];
                    var x = torch.tensor(pixels, shape).to(graph.Device);
                    var y = torch.tensor(rows.Select(i => (long)batch.Labels[i]).ToArray(), [rows.Length]).to(graph.Device);
                    var result = attack.Attack(classifier, x, y, settings with { Epsilon = eps, Seed = settings.Seed + 7919L * batchIndex + b }, cancellationToken);
                    gradients += result.GradientEvaluations;
                    var adversarial = TensorConversion.ToHostFloats(result.Adversarial);
                    var graphFooled = result.Fooled.cpu().data<bool>().ToArray();
                    var verdict = Predict(adversarial, shape);
                    if (result.MinimalL2 is { } m && b == n - 1) minimal.AddRange(m.Where(float.IsFinite).Select(v => (double)v));
                    var survivors = new List<int>();
                    for (int k = 0; k < rows.Length; k++)
                    {
                        int i = rows[k];
                        bool runtimeFooled = settings.TargetClass is { } t ? verdict[k] == t : verdict[k] != batch.Labels[i];
                        bool runtimeCorrect = verdict[k] == batch.Labels[i];
                        if (runtimeFooled != graphFooled[k]) disagreements[b]++;
                        if (runtimeCorrect) survivors.Add(i);
                        else perturbation[i] = Norm(adversarial.AsSpan(k * size, size), batch.Pixels.AsSpan(i * size, size), settings.Norm);
                    }
                    stillRobust = survivors;
                }
                robust[b] += stillRobust.Count;
                var broken = Enumerable.Range(0, count).Where(i => clean[i] == batch.Labels[i] && !stillRobust.Contains(i)).ToList();
                fooledCount[b] += broken.Count;
                norms[b].AddRange(broken.Select(i => perturbation[i]));
            }
            batchIndex++;
            progress?.Report(total);
        }

        var curve = budgets.Select((eps, b) => new RobustnessPoint(eps,
            Proportion.Of(correct, total), Proportion.Of(robust[b], total), Proportion.Of(fooledCount[b], correct),
            norms[b].Count == 0 ? 0 : norms[b].Average(), Median(norms[b]), disagreements[b])).ToList();
        return new RobustnessResult(attack.Name, settings.Norm, settings, curve, minimal.Count == 0 ? null : Median(minimal), gradients);
    }

    private int[] Predict(float[] pixels, long[] shape)
    {
        var (data, inputShape) = mapping.ToModelInputHost(pixels, shape);
        var logits = runtime.RunFirst(new HostTensor(data, inputShape));
        int count = (int)shape[0];
        int classes = logits.Data.Length / count;
        var predictions = new int[count];
        for (int i = 0; i < count; i++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (logits.Data[i * classes + c] > logits.Data[i * classes + best]) best = c;
            predictions[i] = best;
        }
        return predictions;
    }

    private static float[] Gather(float[] pixels, int size, int[] rows)
    {
        var result = new float[rows.Length * size];
        for (int k = 0; k < rows.Length; k++) Array.Copy(pixels, rows[k] * size, result, k * size, size);
        return result;
    }

    private static double Norm(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Norm norm)
    {
        double result = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs((double)a[i] - b[i]);
            result = norm == Attacks.Norm.LInf ? Math.Max(result, d) : result + d * d;
        }
        return norm == Attacks.Norm.LInf ? result : Math.Sqrt(result);
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0) return 0;
        var sorted = values.OrderBy(v => v).ToList();
        int mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
