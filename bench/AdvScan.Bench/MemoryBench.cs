using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AdvScan.Attacks;
using AdvScan.Checks.Patch;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using TorchSharp;

namespace AdvScan.Bench;

/// <summary>
/// (m) Peak resident memory of `model check`, PGD (2 steps, ONNX Runtime judging) and the patch check (2 steps, one EOT
/// draw per image) at a batch size, each in a fresh process (a peak never goes down), against a plain PyTorch
/// forward+backward to the input of the same torchvision architecture at the same batch (bench/peer/fwdbwd_memory.py).
/// `--memory DIR --models resnet50,vit_b_16 --batches 1,8 [--parts peer,check,pgd,patch]`: DIR holds NAME.onnx exported by
/// bench/peer/export_torchvision.py. Target: AdvScan / PyTorch <= 1.5. Also prints where a run's memory goes: RSS now and
/// the peak so far after parsing the model, importing the graph, opening ONNX Runtime and its first run. Diagnostic parts:
/// `fwdbwd` (three forward+backward passes to the input, marks around each), `craft` (PGD's crafting without ONNX Runtime
/// judging); `--memory-run MODEL BATCH verify` checks the engine's weights after the release against a fresh decode and
/// its outputs against an ONNX Runtime session over its own copy.
/// </summary>
internal static class MemoryBench
{
    private const string Python = "/usr/bin/python3";

    public static void Run(string repositoryRoot, string modelDir, string[] models, int[] batches, int threads, ISet<string> parts)
    {
        // --parts may leave out "peer" too, when its figure is already known (a ViT-B forward+backward in PyTorch takes minutes on 2 cores).
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"(m) peak RSS (MiB) per batch size, 224x224, threads {threads}, each figure its own process");
        Console.WriteLine("    model        batch  PyTorch fwd+bwd   model check        PGD-2 + ORT        patch-2 + ORT");
        foreach (var name in models)
            foreach (var batch in batches)
            {
                var model = Path.Combine(modelDir, name + ".onnx");
                double? peer = parts.Contains("peer") ? Peer(repositoryRoot, name, batch, threads) : null;
                var check = parts.Contains("check") ? Child(model, batch, "check", threads) : null;
                var pgd = parts.Contains("pgd") ? Child(model, batch, "pgd", threads) : null;
                var patch = parts.Contains("patch") ? Child(model, batch, "patch", threads) : null;
                var step = parts.Contains("fwdbwd") ? Child(model, batch, "fwdbwd", threads) : null;
                var craft = parts.Contains("craft") ? Child(model, batch, "craft", threads) : null;
                string Cell(Dictionary<string, double>? m) => m is null ? "-".PadRight(18)
                    : (peer is { } p ? string.Create(inv, $"{m["peak"],7:F0} ({m["peak"] / p:F2}x)") : string.Create(inv, $"{m["peak"],7:F0}")).PadRight(18);
                Console.WriteLine(string.Create(inv, $"    {name,-12} {batch,5}  {(peer is { } q ? q.ToString("F0", inv) : "n/a"),15}   {Cell(check)} {Cell(pgd)} {Cell(patch)}"));
                if (pgd is not null)
                    Console.WriteLine(string.Create(inv, $"        where it goes (PGD, as a scan loads it): parsed model {pgd["parsed"]:F0}, + imported graph, protobuf weights released {pgd["imported"]:F0}, + ORT session over the engine's weights {pgd["session"]:F0} MiB"));
                if (check is not null)
                    Console.WriteLine(string.Create(inv, $"        model check passed {check["passed"]}: parity {check["parity"]} (max relative {check["maxRelative"]:G3}), gradients flow {check["gradients"]}"));
                foreach (var (label, m) in new[] { ("PGD", pgd), ("patch", patch), ("fwd+bwd x3", step), ("PGD craft only", craft) })
                    if (m is not null)
                        Console.WriteLine($"        {label} marks, RSS now / peak so far: " + string.Join(", ", new[] { "parsed", "imported", "session", "judged", "forward0", "stepped0", "released0", "forward1", "stepped1", "released1", "crafted" }
                            .Where(m.ContainsKey).Select(k => string.Create(inv, $"{k} {m[k]:F0}/{m[k + "Peak"]:F0}"))) + string.Create(inv, $", end peak {m["peak"]:F0}"));
            }
    }

    /// <summary>One measurement in this process: `--memory-run MODEL BATCH check|pgd|patch`. Prints one JSON line.</summary>
    public static int RunOne(string modelPath, int batch, string what)
    {
        var marks = new Dictionary<string, double>();
        if (what == "verify")
        {
            // The engine's weights after the parsed copy is released and collected, against a fresh decode of the file,
            // and its outputs against ONNX Runtime's own copy of the weights: the release frees nothing still in use.
            var model = OnnxModel.Load(modelPath);
            using var graph = RuntimeSessions.ImportBeforeSession(model, "cpu");
            double engineSum = graph.Initializers.Values.Sum(p => p.abs().sum().item<float>());
            double fileSum = OnnxModel.Load(modelPath).DecodeInitializers().Where(t => t.Data is float[]).Sum(t => ((float[])t.Data).Sum(v => (double)Math.Abs(v)));
            using var own = RuntimeSessions.Open(model, "cpu");
            var pixels = new float[batch * 3 * 224 * 224];
            var random = new Random(1);
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
            var expected = own.RunFirst(new HostTensor(pixels, [batch, 3, 224, 224])).Data;
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            var actual = TensorConversion.ToHostFloats(graph.forward(torch.tensor(pixels, [batch, 3, 224, 224])));
            var (maxAbs, maxRel, within) = ModelCheck.Compare(actual, expected, 1e-4);
            Console.WriteLine(JsonSerializer.Serialize(new { engineSum, fileSum, maxAbs, maxRel, within, outputScale = expected.Max(Math.Abs) }));
            return 0;
        }
        if (what == "check")
        {
            // The whole command and nothing else: a model loaded here to take marks would stay alive beside its own.
            var report = ModelCheck.Run(modelPath, new ModelCheckOptions(BatchSize: batch));
            // What the check found: torchvision's ViT has a zero-initialised head, so its random-weight export has zero
            // logits and zero gradients and fails the gradient test, though the whole forward+backward still ran.
            marks["passed"] = report.Passed ? 1 : 0;
            marks["maxRelative"] = report.MaxRelativeDifference;
            marks["maxAbsolute"] = report.MaxAbsoluteDifference;
            marks["parity"] = report.ParityHolds ? 1 : 0;
            marks["gradients"] = report.GradientsFlow ? 1 : 0;
            marks["finite"] = report.OutputsFinite ? 1 : 0;
        }
        else
        {
            var model = OnnxModel.Load(modelPath);
            Mark(marks, "parsed");
            // As a scan with a white-box attack loads it: the graph first, then ONNX Runtime over the engine's weights.
            using var graph = RuntimeSessions.ImportBeforeSession(model, "cpu");
            Mark(marks, "imported");
            using var runtime = RuntimeSessions.Open(model, "cpu", graph);
            Mark(marks, "session");
            var random = new Random(1);
            var pixels = new float[batch * 3 * 224 * 224];
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
            long[] shape = [batch, 3, 224, 224];
            // Labels are ONNX Runtime's own predictions, so every image is correctly classified and attacked.
            var logits = runtime.RunFirst(new HostTensor(pixels, shape)).Data;
            var labels = Enumerable.Range(0, batch).Select(r => Enumerable.Range(0, 1000).MaxBy(k => logits[r * 1000 + k])).ToArray();
            Mark(marks, "judged");
            if (what == "fwdbwd")
            {
                // One forward+backward to the input, as an attack step takes it: the engine's share of PGD's phase.
                for (int r = 0; r < 3; r++)
                {
                    using var scope = torch.NewDisposeScope();
                    var x = torch.tensor(pixels, shape).requires_grad_(true);
                    var y = graph.forward(x);
                    Mark(marks, "forward" + r);
                    var total = y.sum();
                    torch.autograd.grad([total], [x]);
                    Mark(marks, "stepped" + r);
                    total.Dispose();
                    y.Dispose();
                    Mark(marks, "released" + r);
                }
            }
            else if (what == "craft")
            {
                // PGD's crafting alone, without ONNX Runtime judging its examples.
                var craft = RobustnessEvaluation.WhiteBox(new Pgd(), graph, PixelMapping.Identity);
                craft(pixels, shape, labels, new AttackSettings(Norm.LInf, 4 / 255.0, 2, 1 / 255.0, Seed: 1), CancellationToken.None);
                Mark(marks, "crafted");
            }
            else if (what == "pgd")
            {
                new RobustnessEvaluation(runtime, PixelMapping.Identity).Run(new Pgd(), graph,
                    new AttackSettings(Norm.LInf, 4 / 255.0, 2, 1 / 255.0, Seed: 1), [4 / 255.0], [new LabeledBatch(pixels, shape, labels)]);
            }
            else
            {
                var dir = Directory.CreateTempSubdirectory("advscan-memory-").FullName;
                try
                {
                    // The patch check trains on half the sample and judges on the other half: 2 x batch images.
                    var x = Path.Combine(dir, "x.npy");
                    var y = Path.Combine(dir, "y.npy");
                    WriteImages(x, 2 * batch, random);
                    WriteLabels(y, Enumerable.Range(0, 2 * batch).Select(i => (long)labels[i % batch]).ToArray());
                    using var dataset = DatasetSource.Open(x, y, null, model);
                    var sample = Enumerable.Range(0, 2 * batch).ToList();
                    var context = new CheckContext(() => graph)
                    {
                        Model = model, Runtime = runtime, Dataset = dataset, Sample = sample, Indices = sample, Seed = 7, BatchSize = batch,
                        OpenData = (path, l) => DatasetSource.Open(path, l, null, model),
                    };
                    new PatchCheck().Run(context, new PatchSettings { Areas = [0.05], Steps = 2, ImagesPerStep = batch, DrawsPerImage = 1 });
                }
                finally
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }
        marks["peak"] = Peak();
        Console.WriteLine(JsonSerializer.Serialize(marks));
        return 0;
    }

    private static Dictionary<string, double>? Child(string model, int batch, string what, int threads)
    {
        // Under `dotnet run` this process is the apphost (its path is not `dotnet`), which takes no assembly argument.
        var self = Environment.ProcessPath!;
        string[] arguments = ["--memory-run", model, batch.ToString(CultureInfo.InvariantCulture), what, "--threads", threads.ToString(CultureInfo.InvariantCulture)];
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") arguments = [typeof(MemoryBench).Assembly.Location, .. arguments];
        var start = new ProcessStartInfo(self, arguments);
        var line = PeerBench.LastLine(start, $"{what} at batch {batch}");
        return line is null ? null : JsonSerializer.Deserialize<Dictionary<string, double>>(line);
    }

    private static double? Peer(string root, string name, int batch, int threads)
    {
        var inv = CultureInfo.InvariantCulture;
        try
        {
            using var json = PeerBench.RunPythonJson(Path.Combine(root, "bench", "peer", "fwdbwd_memory.py"), [name, batch.ToString(inv), threads.ToString(inv)], threads);
            return json?.RootElement.GetProperty("peak_mib").GetDouble();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>Resident set now and the peak so far, under <paramref name="name"/> and name + "Peak".</summary>
    private static void Mark(Dictionary<string, double> marks, string name)
    {
        marks[name] = Rss();
        marks[name + "Peak"] = Peak();
    }

    /// <summary>Peak resident set (VmHWM) of this process, MiB.</summary>
    private static double Peak() => Status("VmHWM:");

    private static double Rss() => Status("VmRSS:");

    private static double Status(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return double.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        return 0;
    }

    private static void WriteImages(string path, int count, Random random)
    {
        var data = new byte[count * 224 * 224 * 3];
        random.NextBytes(data);
        WriteNpy(path, "|u1", $"({count}, 224, 224, 3)", data);
    }

    private static void WriteLabels(string path, long[] labels)
    {
        var data = new byte[labels.Length * 8];
        Buffer.BlockCopy(labels, 0, data, 0, data.Length);
        WriteNpy(path, "<i8", $"({labels.Length},)", data);
    }

    private static void WriteNpy(string path, string dtype, string shape, byte[] data)
    {
        var header = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)header.Length));
        file.Write(Encoding.ASCII.GetBytes(header));
        file.Write(data);
    }
}
