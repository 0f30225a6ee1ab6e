using System.Diagnostics;
using System.Globalization;
using AdvScan.Engine;
using AdvScan.Onnx;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Bench;

/// <summary>
/// Measures, in one process and side by side, what the imported-graph design costs on an MNIST-sized CNN
/// (conv32-conv64-fc128-fc10 on 28x28, batch 64):
///   (a) forward+backward to the input (weights frozen): imported ONNX graph vs the same net written in TorchSharp;
///   (b) forward only: imported graph vs ONNX Runtime (CPU, same thread count);
///   (c) resident memory at batch 10 and batch 100 of a 100-batch attack-style loop.
/// Repetitions alternate A,B,A,B so machine noise (other processes, frequency changes) hits both sides alike;
/// medians are reported.
/// </summary>
public static class Program
{
    private const int Batch = 64;

    public static int Main(string[] args)
    {
        int threads = IntOption(args, "--threads", 1);
        int reps = IntOption(args, "--reps", 15);
        int iterations = IntOption(args, "--iters", 10);
        torch.set_num_threads(threads);
        if (args.Length >= 4 && args[0] == "--memory-run")
            return MemoryBench.RunOne(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3]);
        if (args.Contains("--memory"))
        {
            var models = (StringOption(args, "--models") ?? "resnet50,vit_b_16").Split(',');
            var batches = (StringOption(args, "--batches") ?? "1,8").Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray();
            var parts = (StringOption(args, "--parts") ?? "peer,check,pgd,patch").Split(',').ToHashSet(StringComparer.Ordinal);
            MemoryBench.Run(RepositoryRoot(), StringOption(args, "--memory")!, models, batches, threads, parts);
            return 0;
        }
        if (args.Contains("--sequential"))
        {
            SequentialBench.Run(RepositoryRoot(), args.Contains("--time-only") ? 0 : IntOption(args, "--seeds", 200), args.Contains("--no-signs"));
            return 0;
        }
        if (args.Contains("--imagenet"))
        {
            ImageNetStyleBench.Run(RepositoryRoot(), reps, threads);
            return 0;
        }
        if (args.Contains("--patch"))
        {
            // The patch mode alone: its runs are long (a 500-step optimisation per area) and measure other things.
            PatchBench.Run(RepositoryRoot(), reps, IntOption(args, "--steps", 500));
            return 0;
        }
        if (args.Contains("--corruptions"))
        {
            // The corruptions check alone: corruption throughput and the whole suite on the held-out fixtures.
            CorruptionBench.Run(RepositoryRoot(), args.Contains("--quick"));
            return 0;
        }
        if (args.Contains("--patch-peer"))
        {
            // AdvScan's patch check beside the plain PyTorch universal patch (issue 26): held-out success, not speed.
            var seeds = (StringOption(args, "--seeds") ?? "1,2,3").Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToList();
            var defaults = new AdvScan.Checks.Patch.PatchSettings();
            defaults = defaults with
            {
                Steps = OptionalInt(args, "--steps") ?? defaults.Steps,
                Restarts = OptionalInt(args, "--restarts") ?? defaults.Restarts,
                ImagesPerStep = OptionalInt(args, "--images") ?? defaults.ImagesPerStep,
                DrawsPerImage = OptionalInt(args, "--draws") ?? defaults.DrawsPerImage,
            };
            PatchPeerBench.Run(RepositoryRoot(), seeds, defaults, threads, StringOption(args, "--only"), args.Contains("--check-only"));
            return 0;
        }
        if (args.Contains("--peer-only"))
        {
            PeerBench.Run(RepositoryRoot(), reps, threads);
            return 0;
        }
        var inv = CultureInfo.InvariantCulture;
        if (args.Contains("--backdoor-only"))
        {
            Console.WriteLine($"threads {threads}, {Environment.ProcessorCount} logical cores");
            BackdoorBench.Run(RepositoryRoot(), IntOption(args, "--backdoor-reps", 1));
            return 0;
        }
        Console.WriteLine($"AdvScan engine benchmark: LeNet-style CNN (conv32-conv64-fc128-fc10), 28x28, batch {Batch}");
        Console.WriteLine($"threads {threads}, {reps} alternating repetitions of {iterations} batches each, medians reported");
        Console.WriteLine($"{Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        Console.WriteLine();

        var weights = LeNetWeights.Random(seed: 7);
        var modelBytes = weights.ToOnnx().ToBytes();
        using var imported = OnnxGraph.Import(OnnxModel.Parse(modelBytes));
        using var handWritten = new HandWrittenLeNet(weights);
        var input = RandomBatch(seed: 1);
        var inputShape = new long[] { Batch, 1, 28, 28 };

        // Same weights, same batch: the two TorchSharp models and ONNX Runtime must agree before timing means anything.
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var ort = new InferenceSession(modelBytes, options);
        var ortInput = new DenseTensor(input, [Batch, 1, 28, 28]);
        float[] RunOrt()
        {
            using var results = ort.Run([NamedOnnxValue.CreateFromTensor("input", ortInput)]);
            return ((DenseTensor)results[0].Value).Buffer.ToArray();
        }
        using (var scope = torch.NewDisposeScope())
        {
            var x = torch.tensor(input, inputShape);
            var a = TensorConversion.ToHostFloats(imported.forward(x));
            var b = TensorConversion.ToHostFloats(handWritten.forward(x));
            var c = RunOrt();
            double ab = a.Zip(b, (p, q) => Math.Abs(p - q)).Max(), ac = a.Zip(c, (p, q) => Math.Abs(p - q)).Max();
            Console.WriteLine(string.Create(inv, $"agreement: max |imported - hand-written| = {ab:G3}, max |imported - ONNX Runtime| = {ac:G3}"));
            if (ab > 1e-3 || ac > 1e-3) { Console.Error.WriteLine("models disagree; timings would be meaningless"); return 1; }
        }

        void ForwardBackward(nn.Module<Tensor, Tensor> model)
        {
            for (int i = 0; i < iterations; i++)
            {
                using var scope = torch.NewDisposeScope();
                var x = torch.tensor(input, inputShape).requires_grad_(true);
                var loss = F.cross_entropy(model.forward(x), torch.zeros(Batch, dtype: ScalarType.Int64));
                loss.backward();
                _ = x.grad!.abs().sum().item<float>();
            }
        }
        void ForwardOnly(nn.Module<Tensor, Tensor> model)
        {
            for (int i = 0; i < iterations; i++)
            {
                using var scope = torch.NewDisposeScope();
                using var noGrad = torch.no_grad();
                var y = model.forward(torch.tensor(input, inputShape));
                _ = y.data<float>().ToArray();
            }
        }
        void OrtOnly()
        {
            for (int i = 0; i < iterations; i++) _ = RunOrt();
        }

        var (importedFb, handFb) = Alternate(reps, () => ForwardBackward(imported), () => ForwardBackward(handWritten));
        Report("(a) forward+backward to input", "imported", importedFb, "hand-written TorchSharp", handFb, iterations, "target <= 1.10x");
        var (importedF, ortF) = Alternate(reps, () => ForwardOnly(imported), OrtOnly);
        Report("(b) forward only", "imported", importedF, "ONNX Runtime CPU", ortF, iterations, "for reference");
        // Separates the importer's own overhead from the gap between libtorch's and ONNX Runtime's CPU kernels.
        var (importedF2, handF) = Alternate(reps, () => ForwardOnly(imported), () => ForwardOnly(handWritten));
        Report("(b') forward only", "imported", importedF2, "hand-written TorchSharp", handF, iterations, "importer overhead alone");

        Console.WriteLine();
        Console.WriteLine("(c) memory over 100 forward+backward batches through the imported graph (dispose scope per batch)");
        GC.Collect();
        var process = Process.GetCurrentProcess();
        for (int batch = 1; batch <= 100; batch++)
        {
            using (var scope = torch.NewDisposeScope())
            {
                var x = torch.tensor(input, inputShape).requires_grad_(true);
                F.cross_entropy(imported.forward(x), torch.zeros(Batch, dtype: ScalarType.Int64)).backward();
                _ = x.grad!.sum().item<float>();
            }
            if (batch is 10 or 100)
            {
                process.Refresh();
                Console.WriteLine(string.Create(inv, $"    RSS at batch {batch,3}: {process.WorkingSet64 / (1024.0 * 1024.0):F1} MiB"));
            }
        }
        if (!args.Contains("--engine-only"))
        {
            AttackBench.Run(RepositoryRoot(), reps, threads);
            PeerBench.Run(RepositoryRoot(), reps, threads);
            BackdoorBench.Run(RepositoryRoot(), IntOption(args, "--backdoor-reps", 1));
        }
        return 0;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AdvScan.sln"))) return dir.FullName;
        throw new InvalidOperationException("AdvScan.sln not found above " + AppContext.BaseDirectory);
    }

    internal static (double[] A, double[] B) Alternate(int reps, Action a, Action b)
    {
        a(); b(); // warm-up: JIT, first-touch allocations, shape caches
        var ta = new double[reps];
        var tb = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            var sw = Stopwatch.StartNew();
            a();
            ta[r] = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            b();
            tb[r] = sw.Elapsed.TotalMilliseconds;
        }
        return (ta, tb);
    }

    private static void Report(string title, string nameA, double[] a, string nameB, double[] b, int iterations, string note)
    {
        double ma = Median(a) / iterations, mb = Median(b) / iterations;
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(title);
        Console.WriteLine(string.Create(inv, $"    {nameA,-26} {ma,8:F2} ms/batch  ({Batch / ma * 1000,7:F0} images/s)"));
        Console.WriteLine(string.Create(inv, $"    {nameB,-26} {mb,8:F2} ms/batch  ({Batch / mb * 1000,7:F0} images/s)"));
        Console.WriteLine(string.Create(inv, $"    ratio {nameA} / {nameB} = {ma / mb:F3}  ({note})"));
    }

    internal static double Median(double[] values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static float[] RandomBatch(int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, Batch * 28 * 28).Select(_ => (float)r.NextDouble()).ToArray();
    }

    private static string? StringOption(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int? OptionalInt(string[] args, string name) => StringOption(args, name) is { } text && int.TryParse(text, out var v) && v > 0 ? v : null;

    private static int IntOption(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) && v > 0 ? v : fallback;
    }
}
