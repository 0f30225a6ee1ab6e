using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Training;
using TorchSharp;

namespace AdvScan.Bench;

/// <summary>
/// (g) The peer benchmark: AdvScan's PGD against the same PGD written as a plain PyTorch loop (bench/peer/pgd_pytorch.py)
/// on the same architecture and weights (mnist-cnn, read from its ONNX initializers), the same 64 digits, 20 steps of
/// 0.01 at L-inf eps 0.3, every example taking every step, and the same thread count. Half of AdvScan's repetitions run
/// before the PyTorch process and half after, so slow drift in background load hits both sides. Skipped, with a message,
/// when /usr/bin/python3 cannot import torch and onnx (Debian: apt-get install python3-torch python3-onnx).
/// </summary>
internal static class PeerBench
{
    private const int Batch = 64;
    private const int Steps = 20;
    private const double StepSize = 0.01, Epsilon = 0.3;
    private const string Python = "/usr/bin/python3";

    public static void Run(string repositoryRoot, int reps, int threads)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine($"(g) peer: PGD L-inf eps {Epsilon.ToString(inv)}, {Steps} steps of {StepSize.ToString(inv)}, batch {Batch}, threads {threads}, AdvScan vs a plain PyTorch loop");
        if (!PythonHasTorch(out var why))
        {
            Console.WriteLine($"    skipped: {why} (Debian: apt-get install python3-torch python3-onnx)");
            return;
        }
        var fixtures = Path.Combine(repositoryRoot, "tests", "fixtures");
        string modelPath = Path.Combine(fixtures, "mnist-cnn.onnx"), images = Path.Combine(fixtures, "mnist-test-images-idx3-ubyte"),
            labelsPath = Path.Combine(fixtures, "mnist-test-labels-idx1-ubyte");
        var digits = IdxFormat.Read(images, labelsPath, Enumerable.Range(0, 10).Select(i => i.ToString(inv)).ToArray());
        var sample = digits.Subset(Enumerable.Range(0, Batch).Select(i => i * 15).ToArray());
        using var graph = OnnxGraph.Import(OnnxModel.Load(modelPath));
        var classifier = new GraphClassifier(graph);
        var pixels = torch.tensor(sample.Pixels, sample.Shape);
        var labels = torch.tensor(sample.Labels.Select(l => (long)l).ToArray(), [Batch]);

        var logits = Path.GetTempFileName();
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var values = TensorConversion.ToHostFloats(graph.forward(pixels));
            var bytes = new byte[values.Length * 4];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            File.WriteAllBytes(logits, bytes);
        }

        var pgd = new Pgd { EarlyStopping = false };
        var settings = new AttackSettings(Norm.LInf, Epsilon, Steps, StepSize, Restarts: 1, RandomStart: true, Seed: 1);
        double Once()
        {
            var sw = Stopwatch.StartNew();
            using var scope = torch.NewDisposeScope();
            _ = pgd.Attack(classifier, pixels, labels, settings).Fooled.sum().item<long>();
            return sw.Elapsed.TotalMilliseconds;
        }
        Once(); // warm-up
        var ours = Enumerable.Range(0, reps / 2).Select(_ => Once()).ToList();
        var peer = RunPython(repositoryRoot, modelPath, images, labelsPath, logits, threads, reps);
        ours.AddRange(Enumerable.Range(0, reps - reps / 2).Select(_ => Once()));
        File.Delete(logits);
        if (peer is null) return;

        double oursMs = Program.Median(ours.ToArray()), peerMs = peer.Value.MedianMs;
        double oursRate = Batch * Steps / (oursMs / 1000), peerRate = Batch * Steps / (peerMs / 1000);
        Console.WriteLine(string.Create(inv, $"    same model: max |logit difference| {peer.Value.Agree:E1}, torch {peer.Value.Torch}"));
        Console.WriteLine(string.Create(inv, $"    AdvScan PGD                 {oursMs,8:F1} ms/run  ({oursRate,7:F0} image-steps/s)"));
        Console.WriteLine(string.Create(inv, $"    PyTorch PGD loop            {peerMs,8:F1} ms/run  ({peerRate,7:F0} image-steps/s)"));
        Console.WriteLine(string.Create(inv, $"    ratio AdvScan / PyTorch images per second = {oursRate / peerRate:F3}  (target >= 1.0)"));
    }

    internal static bool PythonHasTorch(out string why)
    {
        why = "";
        try
        {
            using var check = Process.Start(new ProcessStartInfo(Python, ["-c", "import torch, onnx"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            check.WaitForExit();
            if (check.ExitCode == 0) return true;
            why = $"{Python} cannot import torch and onnx";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            why = $"{Python} not found";
        }
        return false;
    }

    private static (double Agree, double MedianMs, string Torch)? RunPython(string root, string model, string images, string labels, string logits, int threads, int reps)
    {
        var inv = CultureInfo.InvariantCulture;
        using var json = RunPythonJson(Path.Combine(root, "bench", "peer", "pgd_pytorch.py"), [model, images, labels, logits, Batch.ToString(inv), Steps.ToString(inv),
            StepSize.ToString(inv), Epsilon.ToString(inv), threads.ToString(inv), reps.ToString(inv)], threads);
        if (json is null) return null;
        var r = json.RootElement;
        return (r.GetProperty("agree_max_abs").GetDouble(), r.GetProperty("median_ms").GetDouble(), r.GetProperty("torch").GetString() ?? "?");
    }

    /// <summary>Runs a peer script with the thread count in OMP_NUM_THREADS; its last stdout line parsed as JSON, or null (said why).</summary>
    internal static JsonDocument? RunPythonJson(string script, IEnumerable<string> arguments, int threads)
    {
        var inv = CultureInfo.InvariantCulture;
        var start = new ProcessStartInfo(Python, [script, .. arguments]);
        start.Environment["OMP_NUM_THREADS"] = threads.ToString(inv);
        var line = LastLine(start, "PyTorch side");
        return line is null ? null : JsonDocument.Parse(line);
    }

    /// <summary>Runs a process to its end; its last stdout line, or null after printing why it failed.</summary>
    internal static string? LastLine(ProcessStartInfo start, string what)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode == 0) return output.Trim().Split('\n')[^1];
        Console.WriteLine($"    {what} failed (exit {process.ExitCode}): {error.Trim().Split('\n').LastOrDefault()}");
        return null;
    }
}
