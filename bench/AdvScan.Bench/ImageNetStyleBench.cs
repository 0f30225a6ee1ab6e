using System.Globalization;
using AdvScan.Attacks;
using AdvScan.Data;
using AdvScan.Engine;
using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Bench;

/// <summary>
/// (n) PGD at the size users work at: examples/signs224 (ResNet-18-style, 224x224 RGB, 706k parameters), its JPEGs
/// read with resize center-crop and normalised with the example config's ImageNet mean/std inside the differentiable
/// mapping, as a scan does. PGD throughput in image-steps per second (early stopping off, every image every step) vs
/// the raw forward+backward of the same mapping and graph on the points PGD visits, alternated, medians (target >= 0.9).
/// `--imagenet [--reps 5] [--threads 2]`.
/// </summary>
internal static class ImageNetStyleBench
{
    private const int Batch = 16, Steps = 10;

    public static void Run(string repositoryRoot, int reps, int threads)
    {
        var inv = CultureInfo.InvariantCulture;
        var example = Path.Combine(repositoryRoot, "examples", "signs224");
        var model = OnnxModel.Load(Path.Combine(example, "signs224.onnx"));
        var spec = new InputSpec(3, 224, 224, ResizePolicy.CenterCrop, Mean: [0.485f, 0.456f, 0.406f], Std: [0.229f, 0.224f, 0.225f]);
        using var data = Datasets.Open(Path.Combine(example, "images"),
            spec.ApplyTo(new DatasetOptions(ClassNames: ModelConventions.ClassNamesOf(model))));
        var batch = data.ReadBatches(Enumerable.Range(0, Batch).Select(i => i * 3).ToList(), Batch).Single();
        using var graph = OnnxGraph.Import(model);
        var classifier = new GraphClassifier(graph, spec.ToModelInput);
        var pixels = torch.tensor(batch.Pixels, batch.Shape);
        var labels = torch.tensor(batch.Labels.Select(l => (long)l).ToArray(), [Batch]);
        Console.WriteLine($"(n) PGD on examples/signs224 (224x224 RGB, center-crop, ImageNet mean/std), batch {Batch}, {Steps} steps, threads {threads}, {reps} alternating repetitions");

        var fullSteps = new Pgd { EarlyStopping = false };
        var settings = new AttackSettings(Norm.LInf, 0.002, Steps, 0.0005, Restarts: 1, RandomStart: true, Seed: 1);
        long gradients = 0, fooled = 0;
        void PgdAllSteps()
        {
            using var scope = torch.NewDisposeScope();
            var result = fullSteps.Attack(classifier, pixels, labels, settings);
            gradients = result.GradientEvaluations;
            fooled = result.Fooled.sum().item<long>();
        }
        // The raw rate: one forward+backward to the pixels through the same mapping and graph, on the points PGD visits.
        Tensor visited;
        using (var craft = torch.NewDisposeScope())
            visited = fullSteps.Attack(classifier, pixels, labels, settings).Adversarial.MoveToOuterDisposeScope();
        void RawSteps()
        {
            for (int i = 0; i < Steps; i++)
            {
                using var scope = torch.NewDisposeScope();
                var x = visited.detach().requires_grad_(true);
                F.cross_entropy(graph.forward(spec.ToModelInput(x)), labels).backward();
                _ = x.grad!.sign().sum().item<float>();
            }
        }
        var (pgd, raw) = Program.Alternate(reps, PgdAllSteps, RawSteps);
        double pgdRate = gradients / (Program.Median(pgd) / 1000), rawRate = Batch * Steps / (Program.Median(raw) / 1000);
        Console.WriteLine(string.Create(inv, $"    PGD L-inf eps 0.002          {pgdRate,8:F1} image-steps/s  ({fooled}/{Batch} fooled, {gradients} gradient evaluations per run)"));
        Console.WriteLine(string.Create(inv, $"    raw forward+backward         {rawRate,8:F1} images/s"));
        Console.WriteLine(string.Create(inv, $"    ratio PGD / raw = {pgdRate / rawRate:F3}  (target >= 0.9)"));
    }
}
