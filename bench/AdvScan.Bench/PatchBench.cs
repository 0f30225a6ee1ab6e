using System.Diagnostics;
using System.Globalization;
using AdvScan.Checks.Patch;
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
/// The universal patch attack on the checked-in signs-cnn and its 200 held-out signs (`bench/run.sh --patch`):
///   (j) patch optimisation steps/s (sampling the EOT draws, placing the patch, forward, backward to the patch, Adam)
///       vs the raw forward+backward rate of the same 128-image batch through the same graph (target >= 0.8);
///   (k) the full check at the given steps (500 by default): patch and random-control success on the held-out half,
///       judged by ONNX Runtime under fresh draws, and resident memory every 100 steps;
///   (l) the same 10% patch on mnist-robust (PGD-trained at L-inf eps 0.3): L-inf robustness is not patch robustness.
/// </summary>
internal static class PatchBench
{
    private static readonly PatchRegion SignFace = new(0.2, 0.2, 0.8, 0.8);

    public static void Run(string repositoryRoot, int reps, int steps)
    {
        var inv = CultureInfo.InvariantCulture;
        var fixtures = Path.Combine(repositoryRoot, "tests", "fixtures");
        using var signs = Opened.Of(Path.Combine(fixtures, "signs-cnn.onnx"), Path.Combine(fixtures, "signs-test"), null);
        Console.WriteLine();
        Console.WriteLine($"patch benchmark: signs-cnn (tests/fixtures), 200 held-out signs, threads {torch.get_num_threads()}, {reps} alternating repetitions");

        // (j) One step = 32 images x 4 draws = 128 rows through one forward and one backward.
        var settings = new PatchSettings { Areas = [0.1], Target = 9, Region = SignFace, Steps = 10, ImagesPerStep = 32, DrawsPerImage = 4 };
        var context = signs.Context(200);
        var train = signs.Dataset.Read(Enumerable.Range(0, 200).Where(i => signs.Dataset.Labels[i] != 9).Take(128).ToList(), 128, default).First();
        using var pixels = torch.tensor(train.Pixels, train.Shape);
        var geometry = new PatchGeometry(3, 32, 32, 0.1, PatchShape.Square);
        var optimiser = new PatchOptimizer(context.Graph, signs.Dataset.Mapping.ToModelInput);
        var trainLabels = train.Labels;
        void PatchSteps() { using var s = torch.NewDisposeScope(); optimiser.Optimise(pixels, trainLabels, geometry, settings, 1, 0); }
        var random = new Random(3);
        var draws = Enumerable.Range(0, 128).Select(_ => EotDraw.Sample(random, geometry, SignFace, settings.Eot)).ToList();
        Tensor composed;
        using (torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var s = geometry.TextureSide;
            composed = PatchApplier.Apply(torch.rand([3, s, s]), torch.ones([1, s, s]), pixels, draws).MoveToOuterDisposeScope();
        }
        using var target = torch.full([128], 9L, ScalarType.Int64);
        void RawSteps()
        {
            for (int i = 0; i < settings.Steps; i++)
            {
                using var scope = torch.NewDisposeScope();
                var x = composed.detach().requires_grad_(true);
                F.cross_entropy(context.Graph.forward(signs.Dataset.Mapping.ToModelInput(x)), target).backward();
                _ = x.grad!.sum().item<float>();
            }
        }
        var (patch, raw) = Program.Alternate(reps, PatchSteps, RawSteps);
        double patchRate = settings.Steps / (Program.Median(patch) / 1000), rawRate = settings.Steps / (Program.Median(raw) / 1000);
        Console.WriteLine("(j) patch optimisation, area 0.1, 32 images x 4 EOT draws = 128 rows per step");
        Console.WriteLine(string.Create(inv, $"    patch steps                  {patchRate,8:F2} steps/s"));
        Console.WriteLine(string.Create(inv, $"    raw forward+backward         {rawRate,8:F2} batches/s"));
        Console.WriteLine(string.Create(inv, $"    ratio patch / raw = {patchRate / rawRate:F3}  (target >= 0.8)"));

        // (k) The full check, with resident memory sampled every 100 steps.
        var process = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(inv, $"(k) full check: targeted to 'no-parking', default EOT, area 0.05 and 0.1, sign-face region, {steps} steps, held-out half judged by ONNX Runtime"));
        var full = settings with { Areas = [0.05, 0.1], Steps = steps };
        var progress = new Progress(done =>
        {
            if (done % 100 != 0 || done % (steps + 100) > steps) return;
            process.Refresh();
            Console.WriteLine(string.Create(inv, $"    RSS at step {done,5}: {process.WorkingSet64 / (1024.0 * 1024.0):F1} MiB"));
        });
        Print(Timed(() => new PatchCheck().Run(signs.Context(200, progress), full)));

        Console.WriteLine(string.Create(inv, $"(l) mnist-robust (PGD-trained, L-inf eps 0.3), area 0.1 anywhere, {steps} steps, 400-digit sample"));
        using var robust = Opened.Of(Path.Combine(fixtures, "mnist-robust.onnx"), Path.Combine(fixtures, "mnist-test-images-idx3-ubyte"), Path.Combine(fixtures, "mnist-test-labels-idx1-ubyte"));
        Print(Timed(() => new PatchCheck().Run(robust.Context(400), new PatchSettings { Areas = [0.1], Steps = steps })));
        Print(Timed(() => new PatchCheck().Run(robust.Context(400), new PatchSettings { Areas = [0.1], Target = 3, Steps = steps })));
    }

    private static CheckReport Timed(Func<CheckReport> run)
    {
        var clock = Stopwatch.StartNew();
        var report = run();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    ({clock.Elapsed.TotalSeconds:F0} s) {report.Description}"));
        return report;
    }

    private static void Print(CheckReport report)
    {
        foreach (var row in report.Tables[0].Rows) Console.WriteLine("    area " + string.Join(" | ", row));
    }

    private sealed class Progress(Action<int> onDone) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => onDone(value.Done);
    }

    /// <summary>A model, its ONNX Runtime session, graph and data, as the scanner opens them.</summary>
    internal sealed class Opened(OnnxModel model, ReferenceSession runtime, OpenedDataset dataset, OnnxGraph graph) : IDisposable
    {
        public OpenedDataset Dataset => dataset;

        public ReferenceSession Runtime => runtime;

        public static Opened Of(string modelPath, string data, string? labels)
        {
            var model = OnnxModel.Load(modelPath);
            return new Opened(model, ReferenceSession.Open(model), DatasetSource.Open(data, labels, null, model), OnnxGraph.Import(model));
        }

        public CheckContext Context(int size, IProgress<(int Done, int Total)>? progress = null, long seed = 7)
        {
            var sample = dataset.Sample(size, 7);
            return new CheckContext(() => graph)
            {
                Model = model, Runtime = runtime, Dataset = dataset, Sample = sample, Indices = sample, Seed = seed, BatchSize = 100,
                Progress = progress, OpenData = (path, l) => DatasetSource.Open(path, l, null, model),
            };
        }

        public void Dispose() { graph.Dispose(); dataset.Dispose(); runtime.Dispose(); }
    }
}
