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
/// bench/peer/export_torchvision.py. Target: AdvScan / PyTorch <= 1.5. Also prints where a run's memory goes: RSS after
/// parsing the model, after ONNX Runtime's session, and after importing the graph.
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
                string Cell(Dictionary<string, double>? m) => m is null ? "-".PadRight(18)
                    : (peer is { } p ? string.Create(inv, $"{m["peak"],7:F0} ({m["peak"] / p:F2}x)") : string.Create(inv, $"{m["peak"],7:F0}")).PadRight(18);
                Console.WriteLine(string.Create(inv, $"    {name,-12} {batch,5}  {(peer is { } q ? q.ToString("F0", inv) : "n/a"),15}   {Cell(check)} {Cell(pgd)} {Cell(patch)}"));
                if (pgd is not null)
                    Console.WriteLine(string.Create(inv, $"        where it goes (PGD, as a scan loads it): parsed model {pgd["parsed"]:F0}, + imported graph, protobuf weights released {pgd["imported"]:F0}, + ORT session over the engine's weights {pgd["session"]:F0} MiB"));
            }
    }

    /// <summary>One measurement in this process: `--memory-run MODEL BATCH check|pgd|patch`. Prints one JSON line.</summary>
    public static int RunOne(string modelPath, int batch, string what)
    {
        var marks = new Dictionary<string, double>();
        if (what == "check")
        {
            // The whole command and nothing else: a model loaded here to take marks would stay alive beside its own.
            ModelCheck.Run(modelPath, new ModelCheckOptions(BatchSize: batch));
        }
        else
        {
            var model = OnnxModel.Load(modelPath);
            marks["parsed"] = Rss();
            // As a scan with a white-box attack loads it: the graph first, then ONNX Runtime over the engine's weights.
            using var graph = RuntimeSessions.ImportBeforeSession(model, "cpu");
            marks["imported"] = Rss();
            using var runtime = RuntimeSessions.Open(model, "cpu", graph);
            marks["session"] = Rss();
            var random = new Random(1);
            var pixels = new float[batch * 3 * 224 * 224];
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
            long[] shape = [batch, 3, 224, 224];
            // Labels are ONNX Runtime's own predictions, so every image is correctly classified and attacked.
            var logits = runtime.RunFirst(new HostTensor(pixels, shape)).Data;
            var labels = Enumerable.Range(0, batch).Select(r => Enumerable.Range(0, 1000).MaxBy(k => logits[r * 1000 + k])).ToArray();
            if (what == "pgd")
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
        var self = Environment.ProcessPath!;
        var dll = typeof(MemoryBench).Assembly.Location;
        var start = new ProcessStartInfo(self, [dll, "--memory-run", model, batch.ToString(CultureInfo.InvariantCulture), what, "--threads", threads.ToString(CultureInfo.InvariantCulture)]);
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
