using System.Diagnostics;
using System.Globalization;
using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Bench;

/// <summary>
/// The attack side, on the checked-in mnist-cnn and held-out digits, side by side in one process:
///   (d) PGD throughput in image-steps per second vs the raw forward+backward rate of the same imported graph
///       (PGD with early stopping off, so every image takes every step; target >= 0.9);
///   (e) what per-sample early stopping saves: PGD-40 at eps 0.3 with and without it, same images and seed;
///   (f) resident memory over a 10,000-image PGD evaluation verified by ONNX Runtime (the 1,000 digits 10 times).
/// </summary>
internal static class AttackBench
{
    private const int Batch = 64;

    public static void Run(string repositoryRoot, int reps, int threads)
    {
        var inv = CultureInfo.InvariantCulture;
        var fixtures = Path.Combine(repositoryRoot, "tests", "fixtures");
        var model = OnnxModel.Load(Path.Combine(fixtures, "mnist-cnn.onnx"));
        var digits = IdxFormat.Read(Path.Combine(fixtures, "mnist-test-images-idx3-ubyte"), Path.Combine(fixtures, "mnist-test-labels-idx1-ubyte"),
            Enumerable.Range(0, 10).Select(i => i.ToString(inv)).ToArray());
        using var graph = OnnxGraph.Import(model);
        var classifier = new GraphClassifier(graph);
        var sample = digits.Subset(Enumerable.Range(0, Batch).Select(i => i * 15).ToArray());
        var pixels = torch.tensor(sample.Pixels, sample.Shape);
        var labels = torch.tensor(sample.Labels.Select(l => (long)l).ToArray(), [Batch]);
        Console.WriteLine();
        Console.WriteLine($"attack benchmark: mnist-cnn (tests/fixtures), {Batch} held-out digits per batch, threads {threads}, {reps} alternating repetitions");

        const int steps = 20;
        var fullSteps = new Pgd { EarlyStopping = false };
        var settings = new AttackSettings(Norm.LInf, 0.3, steps, 0.01, Restarts: 1, RandomStart: true, Seed: 1);
        long pgdGradients = 0;
        void PgdAllSteps()
        {
            using var scope = torch.NewDisposeScope();
            var result = fullSteps.Attack(classifier, pixels, labels, settings);
            pgdGradients = result.GradientEvaluations;
            _ = result.Fooled.sum().item<long>();
        }
        // The raw rate: the forward+backward to the input that one PGD step needs, nothing else, on the points PGD
        // visits (deep in adversarial territory the softmax saturates and libtorch's CPU kernels slow down on the tiny
        // gradients, so clean digits would flatter the raw side).
        Tensor visited;
        using (var craft = torch.NewDisposeScope())
            visited = fullSteps.Attack(classifier, pixels, labels, settings).Adversarial.MoveToOuterDisposeScope();
        void RawSteps()
        {
            for (int i = 0; i < steps; i++)
            {
                using var scope = torch.NewDisposeScope();
                var x = visited.detach().requires_grad_(true);
                F.cross_entropy(graph.forward(x), labels).backward();
                _ = x.grad!.sign().sum().item<float>();
            }
        }
        var (pgd, raw) = Program.Alternate(reps, PgdAllSteps, RawSteps);
        // PGD evaluates the gradient once more than it steps (to judge the last iterate): count evaluations, not steps.
        double pgdRate = pgdGradients / (Program.Median(pgd) / 1000), rawRate = Batch * steps / (Program.Median(raw) / 1000);
        Console.WriteLine("(d) PGD throughput, L-inf eps 0.3, 20 steps, early stopping off");
        Console.WriteLine(string.Create(inv, $"    PGD                          {pgdRate,8:F0} image-steps/s"));
        Console.WriteLine(string.Create(inv, $"    raw forward+backward         {rawRate,8:F0} images/s"));
        Console.WriteLine(string.Create(inv, $"    ratio PGD / raw = {pgdRate / rawRate:F3}  (target >= 0.9)"));

        var early = new Pgd();
        var standard = new AttackSettings(Norm.LInf, 0.3, 40, 0.01, Restarts: 1, RandomStart: true, Seed: 1);
        long fooledEarly = 0, fooledFull = 0;
        void WithEarlyStop() { using var s = torch.NewDisposeScope(); fooledEarly = early.Attack(classifier, pixels, labels, standard).Fooled.sum().item<long>(); }
        void WithoutEarlyStop() { using var s = torch.NewDisposeScope(); fooledFull = fullSteps.Attack(classifier, pixels, labels, standard).Fooled.sum().item<long>(); }
        var (withStop, withoutStop) = Program.Alternate(reps, WithEarlyStop, WithoutEarlyStop);
        Console.WriteLine("(e) per-sample early stopping, PGD-40 L-inf eps 0.3 step 0.01");
        Console.WriteLine(string.Create(inv, $"    with early stopping          {Program.Median(withStop),8:F1} ms/batch  ({fooledEarly}/{Batch} fooled)"));
        Console.WriteLine(string.Create(inv, $"    every example every step     {Program.Median(withoutStop),8:F1} ms/batch  ({fooledFull}/{Batch} fooled)"));
        Console.WriteLine(string.Create(inv, $"    speed-up = {Program.Median(withoutStop) / Program.Median(withStop):F2}x"));

        Console.WriteLine("(f) memory over a 10,000-image PGD-10 evaluation at eps 0.1 (batches of 100, ONNX Runtime verifying every example)");
        using var runtime = ReferenceSession.Open(model);
        var evaluation = new RobustnessEvaluation(runtime, PixelMapping.Identity);
        var process = Process.GetCurrentProcess();
        int images = 0;
        IEnumerable<LabeledBatch> TenThousand()
        {
            for (int round = 0; round < 10; round++)
                for (int start = 0; start < digits.Count; start += 100)
                {
                    var part = digits.Subset(Enumerable.Range(start, 100).ToArray());
                    yield return new LabeledBatch(part.Pixels, part.Shape, part.Labels);
                    images += 100;
                    if (images % 2000 == 0)
                    {
                        process.Refresh();
                        Console.WriteLine(string.Create(inv, $"    RSS after {images,6} images: {process.WorkingSet64 / (1024.0 * 1024.0):F1} MiB"));
                    }
                }
        }
        var clock = Stopwatch.StartNew();
        var result = evaluation.Run(new Pgd(), graph, new AttackSettings(Norm.LInf, 0.1, 10, 0.025, Seed: 2), [0.1], TenThousand());
        Console.WriteLine(string.Create(inv, $"    {result.Curve[0].RobustAccuracy.Trials} images in {clock.Elapsed.TotalSeconds:F0} s, robust accuracy {result.Curve[0].RobustAccuracy.Value:P1}"));
    }
}
