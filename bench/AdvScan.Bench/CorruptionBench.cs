using System.Diagnostics;
using System.Globalization;
using AdvScan.Checks.Corruptions;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Bench;

/// <summary>
/// The corruptions check (`bench/run.sh --corruptions`):
///   (p) corrupted images per second for each corruption, one thread, averaged over severities 1-5, at MNIST's 28x28
///       grey and CIFAR's 32x32 RGB (CIFAR-10-C tables) and ImageNet's 224x224 RGB (ImageNet-C tables);
///   (q) the whole suite (19 corruptions x 5 severities) end to end on the held-out fixtures, every core, against the
///       ONNX Runtime time for the same number of images, with the accuracy table of each model.
/// </summary>
internal static class CorruptionBench
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static void Run(string repositoryRoot, bool quick)
    {
        Console.WriteLine($"corruptions benchmark, {Environment.ProcessorCount} logical cores");
        Throughput(quick);
        var fixtures = Path.Combine(repositoryRoot, "tests", "fixtures");
        string mnist = Path.Combine(fixtures, "mnist-test-images-idx3-ubyte"), mnistLabels = Path.Combine(fixtures, "mnist-test-labels-idx1-ubyte");
        Suite("mnist-cnn", Path.Combine(fixtures, "mnist-cnn.onnx"), mnist, mnistLabels, null, quick);
        Suite("mnist-robust", Path.Combine(fixtures, "mnist-robust.onnx"), mnist, mnistLabels, Path.Combine(fixtures, "mnist-cnn.onnx"), quick);
        Suite("fashion-cnn", Path.Combine(fixtures, "fashion-cnn.onnx"), Path.Combine(fixtures, "fashion-test-images-idx3-ubyte"), Path.Combine(fixtures, "fashion-test-labels-idx1-ubyte"), null, quick);
        Suite("signs-cnn", Path.Combine(fixtures, "signs-cnn.onnx"), Path.Combine(fixtures, "signs-test"), null, null, quick);
    }

    private static void Throughput(bool quick)
    {
        Console.WriteLine();
        Console.WriteLine("(p) corrupted images per second, one thread, mean over severities 1-5");
        var shapes = new (string Name, int C, int H, int W, ParameterTable Table, int Images)[]
        {
            ("28x28 grey", 1, 28, 28, ParameterTable.Cifar, quick ? 20 : 200),
            ("32x32 RGB", 3, 32, 32, ParameterTable.Cifar, quick ? 20 : 200),
            ("224x224 RGB", 3, 224, 224, ParameterTable.ImageNet, quick ? 2 : 10),
        };
        Console.WriteLine($"    {"corruption",-18} {string.Join(" ", shapes.Select(s => $"{s.Name,14}"))}");
        var totals = new double[shapes.Length];
        var perCorruption = new List<(string Name, double[] Seconds)>();
        foreach (var corruption in CorruptionSuite.All)
        {
            var seconds = new double[shapes.Length];
            for (int k = 0; k < shapes.Length; k++)
            {
                var (_, c, h, w, table, images) = shapes[k];
                var picture = Sample(c, h, w);
                corruption.Corrupt(picture, 3, table, new CorruptionRandom(0)); // warm-up (JIT)
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < images; i++)
                    for (int severity = 1; severity <= 5; severity++)
                        corruption.Corrupt(picture, severity, table, CorruptionRandom.For(1, i, corruption.Name, severity));
                seconds[k] = clock.Elapsed.TotalSeconds / (images * 5);
                totals[k] += seconds[k];
            }
            perCorruption.Add((corruption.Name, seconds));
            Console.WriteLine($"    {corruption.Name,-18} {string.Join(" ", seconds.Select(s => string.Create(C, $"{1 / s,14:0}")))}");
        }
        Console.WriteLine($"    {"all 19, one each",-18} {string.Join(" ", totals.Select(s => string.Create(C, $"{1 / s,14:0.0}")))}");
        for (int k = 0; k < shapes.Length; k++)
        {
            var slowest = perCorruption.OrderByDescending(p => p.Seconds[k]).Take(3).Select(p => string.Create(C, $"{p.Name} {100 * p.Seconds[k] / totals[k]:0}%"));
            Console.WriteLine($"    share of the suite's corruption time at {shapes[k].Name}: {string.Join(", ", slowest)}");
        }
    }

    private static void Suite(string name, string modelPath, string data, string? labels, string? baseline, bool quick)
    {
        var model = OnnxModel.Load(modelPath);
        using var runtime = ReferenceSession.Open(model);
        using var dataset = DatasetSource.Open(data, labels, null, model);
        var sample = quick ? dataset.Sample(100, 7) : Enumerable.Range(0, dataset.Labels.Count).ToList();
        var context = new CheckContext(() => throw new InvalidOperationException("the corruptions check needs no graph"))
        {
            Model = model, Runtime = runtime, Dataset = dataset, Sample = sample, Indices = sample, Seed = 7, BatchSize = 100,
            OpenData = (path, l) => DatasetSource.Open(path, l, null, model),
        };
        var settings = new CorruptionsSettings { Baseline = baseline };
        long before = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        var report = new CorruptionsCheck().Run(context, settings);
        double seconds = clock.Elapsed.TotalSeconds;
        int images = sample.Count * 95 * (baseline is null ? 1 : 2);
        // ONNX Runtime alone on as many images (the clean batches again), to split the time.
        clock.Restart();
        int judged = 0;
        while (judged < sample.Count * 95 * (baseline is null ? 1 : 2))
            foreach (var batch in dataset.Read(sample, 100, default))
            {
                Predictions.Predict(runtime, dataset.Mapping, batch.Pixels, batch.Shape);
                judged += batch.Labels.Length;
            }
        double ort = clock.Elapsed.TotalSeconds;
        Console.WriteLine();
        Console.WriteLine(string.Create(C, $"(q) {name}: {sample.Count} examples x 19 corruptions x 5 severities{(baseline is null ? "" : $", and the baseline {Path.GetFileName(baseline)} on the same images")}"));
        Console.WriteLine(string.Create(C, $"    whole check {seconds:0.0} s ({images / seconds:0} judged corrupted images/s); ONNX Runtime alone on {judged} images {ort:0.0} s; corrupting ~{Math.Max(0, seconds - ort):0.0} s; {(GC.GetTotalAllocatedBytes() - before) / 1e9:0.0} GB allocated"));
        foreach (var table in report.Tables)
        {
            Console.WriteLine($"    {table.Title}");
            Console.WriteLine($"    | {string.Join(" | ", table.Columns)} |");
            foreach (var row in table.Rows) Console.WriteLine($"    | {string.Join(" | ", row)} |");
        }
        var m = report.Metrics;
        string Figure(string metric) => m.FirstOrDefault(v => v.Metric == metric && v.Label is null && v.Budget is null) is { } v
            ? v.Proportion is { } p ? string.Create(C, $"{p.Value:P1} (95% CI {p.Lower:P1}-{p.Upper:P1})") : string.Create(C, $"{v.Value:0.####}") : "-";
        Console.WriteLine($"    corruptionAccuracy {Figure(CorruptionFigures.Accuracy)}, corruptionError {Figure(CorruptionFigures.Error)}{(baseline is null ? "" : $", mCE vs {Path.GetFileName(baseline)} {Figure(CorruptionFigures.Mce)}")}");
    }

    private static Picture Sample(int channels, int height, int width)
    {
        var random = new Random(5);
        var picture = Picture.Blank(channels, height, width);
        for (int i = 0; i < picture.Pixels.Length; i++) picture.Pixels[i] = (float)(0.5 + 0.4 * Math.Sin(i / 7.0) * random.NextDouble());
        return picture;
    }
}
