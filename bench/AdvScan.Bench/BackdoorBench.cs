using System.Diagnostics;
using System.Globalization;
using AdvScan.Checks.Backdoor;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Bench;

/// <summary>
/// (h) The whole 10-class Neural Cleanse check on the checked-in mnist-badnets with default settings (200 held-out
/// digits: 100 to optimise on, 100 for ONNX Runtime to judge the triggers), timed end to end, against the raw
/// forward+backward cost of the same number of optimisation steps over the same [classes x batch] image batches with
/// only the input requiring a gradient. Target: check / raw &lt;= 1.2, and under a minute on 2 cores.
/// </summary>
internal static class BackdoorBench
{
    public static void Run(string repositoryRoot, int reps)
    {
        var inv = CultureInfo.InvariantCulture;
        var fixtures = Path.Combine(repositoryRoot, "tests", "fixtures");
        var model = OnnxModel.Load(Path.Combine(fixtures, "mnist-badnets.onnx"));
        using var dataset = DatasetSource.Open(Path.Combine(fixtures, "mnist-test-images-idx3-ubyte"), Path.Combine(fixtures, "mnist-test-labels-idx1-ubyte"), null, model);
        using var runtime = ReferenceSession.Open(model);
        using var graph = OnnxGraph.Import(model);
        var sample = dataset.Sample(200, 7);
        var context = new CheckContext(() => graph)
        {
            Model = model, Runtime = runtime, Dataset = dataset, Sample = sample, Indices = sample, Seed = 7,
            OpenData = (p, l) => DatasetSource.Open(p, l, null, model),
        };
        var settings = NeuralCleanseSettings.Default;
        Console.WriteLine();
        Console.WriteLine($"backdoor benchmark: Neural Cleanse on mnist-badnets (tests/fixtures), default settings: {settings.Describe()}");

        var checkTimes = new List<double>();
        var rawTimes = new List<double>();
        NeuralCleanseAnalysis? analysis = null;
        for (int r = 0; r < reps; r++)
        {
            var clock = Stopwatch.StartNew();
            analysis = NeuralCleanseAnalysis.Run(context, settings);
            checkTimes.Add(clock.Elapsed.TotalSeconds);
            rawTimes.Add(Raw(graph, dataset, sample, analysis.Reversal, settings.Options.BatchSize, analysis.OptimisationImages));
        }
        var a = analysis!;
        double check = Median(checkTimes), raw = Median(rawTimes);
        Console.WriteLine(string.Create(inv,
            $"  check: {check:F1} s for {a.Reversal.Epochs} epochs, {a.Reversal.Steps} steps, {a.Reversal.ImagesForwarded} stamped images forwarded and backwarded, plus ONNX Runtime judging 10 triggers on {a.Evaluation.Count} held-out digits"));
        Console.WriteLine(string.Create(inv, $"  raw forward+backward of the same {a.Reversal.Steps} steps: {raw:F1} s; check / raw = {check / raw:F3} (target <= 1.2)"));
        Console.WriteLine(string.Create(inv,
            $"  flagged [{string.Join(",", a.Flagged)}], anomaly index of class 7 {a.LogAnomalyIndices[7]:F2} on the log norms ({a.AnomalyIndices[7]:F2} raw), compactness {a.Compactness[7]:F2}, held-out success of its trigger {a.HeldOutSuccess[7].Value:P1}"));
        Console.WriteLine("  norms: " + string.Join(" ", a.Reversal.MaskNorms.Select((n, k) => string.Create(inv, $"{k}:{n:F1}"))));
    }

    /// <summary>The same steps' forward and backward passes alone: [classes x batch] images, gradient on the input only.</summary>
    private static double Raw(OnnxGraph graph, OpenedDataset dataset, IReadOnlyList<int> sample, NeuralCleanseResult reversal, int batch, int images)
    {
        int classes = reversal.Classes.Count;
        var pixels = dataset.Read(sample.Take(images).ToList(), images, default).Single();
        var clock = Stopwatch.StartNew();
        int steps = reversal.Steps, stepsPerEpoch = (images + batch - 1) / batch;
        for (int s = 0; s < steps; s++)
        {
            int start = s % stepsPerEpoch * batch, size = Math.Min(batch, images - start);
            using var scope = torch.NewDisposeScope();
            var x = torch.tensor(pixels.Pixels.AsSpan(start * 784, size * 784).ToArray(), [size, 1, 28, 28]);
            var stamped = x.unsqueeze(0).expand(classes, -1, -1, -1, -1).reshape(classes * size, 1, 28, 28).clone().requires_grad_(true);
            var targets = torch.arange(classes, dtype: ScalarType.Int64).repeat_interleave(size);
            var loss = F.cross_entropy(graph.forward(stamped), targets);
            loss.backward();
            _ = stamped.grad!.abs().sum().item<float>();
        }
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
