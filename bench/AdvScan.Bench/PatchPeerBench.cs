using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AdvScan.Checks.Patch;
using AdvScan.Runtime;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning;

namespace AdvScan.Bench;

/// <summary>
/// (o) The patch peer (`bench/run.sh --patch-peer`, issue 26): AdvScan's patch check beside the plain universal patch an
/// attacker writes in PyTorch (bench/peer/patch_pytorch.py) on the same model, the same images and the same patch size,
/// untargeted and targeted, without and with EOT, on fashion-cnn, mnist-cnn and signs-cnn. The peer trains on the
/// even-indexed and is judged on the odd-indexed images of a file the C# side writes with the check's own training part
/// at the even and its held-out part at the odd positions, so both are judged on the same held-out images. The peer's
/// texture is judged by the check's own judge under the check's own draws (each held-out image gets the same place and
/// transformation for both patches, as the random control does), and also as the peer placed it; ONNX Runtime gives
/// every verdict, and the same steps, learning rate and 32 images per step are used on both sides. Success is summed
/// over the seeds; the ratio is AdvScan's held-out success over the peer's under the same draws.
/// </summary>
internal static class PatchPeerBench
{
    private const string Python = "/usr/bin/python3";

    private sealed record Subject(string Name, string Model, string Data, string? Labels, int Sample, int Target);

    private sealed record Side(int Successes, int Trials)
    {
        public double Rate => Trials == 0 ? 0 : Successes / (double)Trials;
    }

    /// <summary>The plain attacker's batch (issue 26): 32 images per step, one placement each, whatever AdvScan's defaults are.</summary>
    private const int PeerImagesPerStep = 32;

    /// <param name="defaults">AdvScan's settings (the product's defaults, or the bench's overrides of steps, restarts, images and draws); the peer takes the steps and learning rate.</param>
    /// <param name="only">Comma-separated filter on model names, goals ("untargeted", "targeted") and EOT ("none", "default"); null runs every row.</param>
    public static void Run(string root, IReadOnlyList<long> seeds, PatchSettings defaults, int threads, string? only, bool checkOnly = false)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"(o) patch peer: area 0.1, {defaults.Steps} steps of lr {defaults.LearningRate}, AdvScan {defaults.Restarts} restart(s) x {defaults.ImagesPerStep} images x {defaults.DrawsPerImage} draws per step, the peer {PeerImagesPerStep} images x 1, seeds {string.Join(",", seeds)}, threads {threads}"));
        if (!PeerBench.PythonHasTorch(out var why))
        {
            Console.WriteLine($"    skipped: {why} (Debian: apt-get install python3-torch python3-onnx)");
            return;
        }
        var fixtures = Path.Combine(root, "tests", "fixtures");
        Subject[] subjects =
        [
            new("fashion-cnn", "fashion-cnn.onnx", "fashion-test-images-idx3-ubyte", "fashion-test-labels-idx1-ubyte", 1000, 2),
            new("mnist-cnn", "mnist-cnn.onnx", "mnist-test-images-idx3-ubyte", "mnist-test-labels-idx1-ubyte", 1000, 3),
            new("signs-cnn", "signs-cnn.onnx", "signs-test", null, 200, 9),
        ];
        var rows = new List<string>();
        var filter = only?.Split(',') ?? [];
        bool Wanted(string[] group, string value) => !filter.Any(group.Contains) || filter.Contains(value);
        foreach (var subject in subjects.Where(s => Wanted(subjects.Select(x => x.Name).ToArray(), s.Name)))
        {
            using var opened = PatchBench.Opened.Of(Path.Combine(fixtures, subject.Model), Path.Combine(fixtures, subject.Data), subject.Labels is null ? null : Path.Combine(fixtures, subject.Labels));
            foreach (var target in new int?[] { null, subject.Target }.Where(t => Wanted(["untargeted", "targeted"], t is null ? "untargeted" : "targeted")))
                foreach (var (eotName, eot) in new[] { ("none", EotOptions.None), ("default", EotOptions.Default) }.Where(e => Wanted(["none", "default"], e.Item1)))
                {
                    var settings = defaults with { Areas = [0.1], Target = target, Eot = eot, GalleryImages = 0 };
                    var ours = new List<Side>();
                    var theirs = new List<Side>();
                    var theirOwn = new List<Side>();
                    var controls = new List<Side>();
                    double ourSeconds = 0, theirSeconds = 0;
                    foreach (var seed in seeds)
                    {
                        var context = opened.Context(subject.Sample, seed: seed);
                        var clock = Stopwatch.StartNew();
                        var report = new PatchCheck().Run(context, settings);
                        ourSeconds += clock.Elapsed.TotalSeconds;
                        var success = report.Metrics.Single(m => m.Metric == "patchSuccess").Proportion!.Value;
                        var control = report.Metrics.Single(m => m.Metric == "patchControlSuccess").Proportion!.Value;
                        ours.Add(new Side(success.Successes, success.Trials));
                        controls.Add(new Side(control.Successes, control.Trials));
                        clock.Restart();
                        var (paired, peerPlaced) = checkOnly ? (new Side(0, success.Trials), new Side(0, success.Trials)) : Peer(root, Path.Combine(fixtures, subject.Model), opened, context, settings, seed, threads);
                        theirs.Add(paired);
                        theirOwn.Add(peerPlaced);
                        theirSeconds += clock.Elapsed.TotalSeconds;
                        if (theirs[^1].Trials != success.Trials)
                            throw new InvalidOperationException($"the peer judged {theirs[^1].Trials} eligible images, AdvScan {success.Trials}: not the same held-out part");
                    }
                    Side Sum(List<Side> sides) => new(sides.Sum(s => s.Successes), sides.Sum(s => s.Trials));
                    var (a, p, ctl, own) = (Sum(ours), Sum(theirs), Sum(controls), Sum(theirOwn));
                    string goal = target is { } t ? string.Create(inv, $"targeted {t}") : "untargeted";
                    string Seeds(List<Side> sides) => string.Join(" ", sides.Select(s => string.Create(inv, $"{s.Rate:P1}")));
                    Console.WriteLine(string.Create(inv, $"    {subject.Name,-12} {goal,-12} EOT {eotName,-8} AdvScan {a.Rate,6:P1} ({a.Successes}/{a.Trials}; {Seeds(ours)}), control {ctl.Rate:P1}, {ourSeconds:F0} s | peer {p.Rate,6:P1} ({p.Successes}/{p.Trials}; {Seeds(theirs)}; own placements {own.Rate:P1}), {theirSeconds:F0} s | ratio {a.Rate / p.Rate:F3}{PairedInterval(ours, theirs)}"));
                    rows.Add(string.Create(inv, $"| {subject.Name} | {goal} | {eotName} | {a.Rate:P1} ({a.Successes}/{a.Trials}) | {ctl.Rate:P1} | {p.Rate:P1} ({p.Successes}/{p.Trials}) | {own.Rate:P1} | {a.Rate / p.Rate:F2} |"));
                }
        }
        Console.WriteLine();
        Console.WriteLine("| model | goal | EOT | AdvScan held-out success | random-patch control | PyTorch plain patch | the same, its own placements | ratio |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var row in rows) Console.WriteLine(row);
    }

    /// <summary>
    /// The per-seed difference AdvScan - peer in points of held-out success, its mean and a 95% Student-t interval over
    /// the seeds: each seed is one paired draw of both sides' optimisation (same split, same judging draws), so the
    /// interval says whether a row's ratio below or above 1.0 is more than the seed-to-seed spread.
    /// </summary>
    private static string PairedInterval(List<Side> ours, List<Side> theirs)
    {
        int n = ours.Count;
        if (n < 2) return "";
        var d = ours.Zip(theirs, (a, p) => 100 * (a.Rate - p.Rate)).ToList();
        double mean = d.Average(), sd = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / (n - 1));
        // Two-sided 97.5% quantiles of Student's t for 1..10 degrees of freedom; the normal's beyond.
        double[] t = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
        double half = (n - 1 <= t.Length ? t[n - 2] : 1.96) * sd / Math.Sqrt(n);
        return string.Create(CultureInfo.InvariantCulture, $" | per seed {mean:+0.0;-0.0} points (95% {mean - half:+0.0;-0.0} to {mean + half:+0.0;-0.0})");
    }

    /// <summary>The peer on the check's split: its training part at the even positions of the file, its held-out part at the odd ones.</summary>
    /// <returns>The peer's held-out success under the check's judging draws, and under its own placements.</returns>
    private static (Side Paired, Side Own) Peer(string root, string model, PatchBench.Opened opened, CheckContext context, PatchSettings settings, long seed, int threads)
    {
        var inv = CultureInfo.InvariantCulture;
        var labels = opened.Dataset.Labels;
        var split = SampleSplit.Of(context.Sample, labels, settings.TrainFraction, seed);
        if (split.Train.Count != split.HeldOut.Count)
            throw new InvalidOperationException($"training part {split.Train.Count} and held-out part {split.HeldOut.Count} differ; the peer's even/odd split needs them equal");
        var order = split.Train.Zip(split.HeldOut, (t, h) => new[] { t, h }).SelectMany(pair => pair).ToList();
        var batch = opened.Dataset.Read(order, order.Count, default).Single();
        long n = batch.Shape[0], c = batch.Shape[1], h = batch.Shape[2], w = batch.Shape[3];
        var geometry = new PatchGeometry((int)c, (int)h, (int)w, settings.Areas[0], settings.Shape);
        string pixels = Path.GetTempFileName(), labelFile = Path.GetTempFileName(), output = Path.GetTempFileName(), textureFile = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(pixels, Bytes(batch.Pixels));
            File.WriteAllBytes(labelFile, batch.Labels.SelectMany(l => BitConverter.GetBytes((long)l)).ToArray());
            var e = settings.Eot;
            string eot = e.Rigid && e.MaxBrightness == 0 && e.MaxContrast == 0 && e.MaxBlurSigma == 0 && e.MaxNoise == 0 ? "none"
                : JsonSerializer.Serialize(new { minScale = e.MinScale, maxScale = e.MaxScale, rotation = e.MaxRotationDegrees, perspective = e.MaxPerspective, brightness = e.MaxBrightness, contrast = e.MaxContrast, blur = e.MaxBlurSigma, noise = e.MaxNoise });
            var start = new ProcessStartInfo(Python, [Path.Combine(root, "bench", "peer", "patch_pytorch.py"), model,
                pixels, labelFile, $"{n},{c},{h},{w}", geometry.TextureSide.ToString(inv), geometry.Side.ToString("R", inv), settings.Steps.ToString(inv),
                settings.LearningRate.ToString(inv), PeerImagesPerStep.ToString(inv), (settings.Target ?? -1).ToString(inv), eot, seed.ToString(inv), threads.ToString(inv), output, textureFile])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["OMP_NUM_THREADS"] = threads.ToString(inv);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEnd();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"PyTorch side failed (exit {process.ExitCode}): {stderr.Trim().Split('\n').LastOrDefault()}");

            var held = split.HeldOut;
            var patched = Floats(File.ReadAllBytes(output));
            int size = (int)(c * h * w);
            if (patched.Length != held.Count * size) throw new InvalidOperationException($"the peer wrote {patched.Length} values for {held.Count} held-out images");
            var clean = Predict(opened, Enumerable.Range(0, held.Count).SelectMany(k => batch.Pixels.AsSpan((2 * k + 1) * size, size).ToArray()).ToArray(), [held.Count, c, h, w]);
            var verdicts = Predict(opened, patched, [held.Count, c, h, w]);
            int successes = 0, trials = 0;
            for (int k = 0; k < held.Count; k++)
            {
                int label = labels[held[k]];
                bool eligible = settings.Target is { } t ? label != t : clean[k] == label;
                if (!eligible) continue;
                trials++;
                if (settings.Target is { } goal ? verdicts[k] == goal : verdicts[k] != label) successes++;
            }
            // The peer's texture under the draws the check judges its own patch with: the same image, the same place.
            var texture = Floats(File.ReadAllBytes(textureFile));
            var shape = new long[] { c, geometry.TextureSide, geometry.TextureSide };
            var judged = new PatchJudge(context, settings).Judge(held, new OptimisedPatch(texture, shape, 0, 0, 0), texture, geometry, geometry.SeedKey)
                .Where(v => v.Eligible).ToList();
            return (new Side(judged.Count(v => v.Success), judged.Count), new Side(successes, trials));
        }
        finally
        {
            File.Delete(pixels);
            File.Delete(labelFile);
            File.Delete(output);
            File.Delete(textureFile);
        }
    }

    /// <summary>ONNX Runtime's class for every row, judged as the check judges (<see cref="Predictions.Predict"/>).</summary>
    private static int[] Predict(PatchBench.Opened opened, float[] pixels, long[] shape) =>
        Predictions.Predict(opened.Runtime, opened.Dataset.Mapping, pixels, shape).Classes;

    private static byte[] Bytes(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static float[] Floats(byte[] bytes)
    {
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, values.Length * 4);
        return values;
    }
}
