using System.Text;
using AdvScan.Checks;
using AdvScan.Data;
using AdvScan.Onnx;
using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;
using AdvScan.Training;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Fuzz;

/// <summary>
/// One fuzzing target per reader of untrusted files. Each takes the fuzzer's bytes as the whole file, runs the reader
/// the way a scan would (parse, then read what it declares), and treats an <see cref="InvalidInputException"/> as the
/// expected answer to bad input. Anything else escaping (an overflow, an index out of range, a null reference) is a
/// finding: it would reach the user as a stack trace. A hang or a blown memory bound is one too (AFL's -t and -m).
/// </summary>
internal static class Targets
{
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["onnx"] = Onnx,
        ["npy"] = Npy,
        ["npz"] = Npz,
        ["idx"] = Idx,
        ["image"] = Image,
        ["csv"] = Csv,
        ["config"] = Config,
    };

    /// <summary>
    /// Lower limits than the defaults, so one iteration stays in milliseconds; the same checks run, only the numbers
    /// differ (a bound that holds at 4 million pixels holds at 25 million). Made on each use: no instrumented code may
    /// run before SharpFuzz has set up AFL's coverage map, so nothing here is initialised statically.
    /// </summary>
    public static ResourceLimits Limits => new()
    {
        MaxImagePixels = 4_000_000,
        MaxInflatedBytes = 64L << 20,
        MaxDataBytes = 64L << 20,
        MaxExamples = 1_000_000,
        MaxTensorElements = 16_000_000,
    };

    /// <summary>Examples read per iteration: enough to reach every decode path, few enough to stay fast.</summary>
    private const int ExamplesRead = 8;

    /// <summary>The first model a fuzzed ONNX file decodes its external data against: inside <see cref="Work.Folder"/>.</summary>
    private static void Onnx(byte[] bytes)
    {
        var model = OnnxModel.Parse(bytes, "fuzz.onnx", Work.Folder);
        foreach (var tensor in model.DecodeInitializers()) _ = tensor;
        _ = ModelConventions.ClassNamesOf(model);
        _ = ModelConventions.ClassCountOf(model);
        _ = ModelConventions.InputSpecOf(model);
    }

    private static void Npy(byte[] bytes)
    {
        var path = Work.Write("x.npy", bytes);
        var array = NpyArray.Open(path, path);
        try
        {
            if (array.Shape.Length == 1)
            {
                _ = array.ReadLabels();
                return;
            }
            using var images = new NpyImages(array);
            for (int i = 0; i < Math.Min(images.Count, ExamplesRead); i++) _ = images.Read(i);
        }
        finally { array.Dispose(); }
    }

    private static void Npz(byte[] bytes) => Drain(Datasets.Open(Work.Write("set.npz", bytes)));

    /// <summary>Both IDX readers: the scanner's in-place one (images and labels ranks) and the trainer's whole-file one.</summary>
    private static void Idx(byte[] bytes)
    {
        var path = Work.Write("fuzz-images-idx3-ubyte", bytes);
        try
        {
            using var file = IdxFile.Open(path, 3, "images");
            using var images = new IdxImages(file);
            for (int i = 0; i < Math.Min(images.Count, ExamplesRead); i++) _ = images.Read(i);
        }
        catch (InvalidInputException) { }
        try
        {
            using var labels = IdxFile.Open(path, 1, "labels");
            var buffer = new byte[Math.Min(labels.Dims[0], 4096)];
            labels.Read(0, buffer);
        }
        catch (InvalidInputException) { }
        _ = IdxFormat.Read(path, Work.Write("fuzz-labels-idx1-ubyte", [0, 0, 8, 1, 0, 0, 0, 1, 0]), ["0", "1"]);
    }

    /// <summary>An encoded image as the one file of a one-class folder, resized the way a scan would.</summary>
    private static void Image(byte[] bytes)
    {
        Work.Write(Path.Combine("images", "cat", "x.img"), bytes);
        Drain(Datasets.Open(Path.Combine(Work.Folder, "images"), new DatasetOptions(Resize: ResizePolicy.Stretch, Height: 8, Width: 8)));
    }

    /// <summary>A manifest beside real images (a.png, b.png, sub/c.png) that its rows may name.</summary>
    private static void Csv(byte[] bytes) => Drain(Datasets.Open(Work.Write(Path.Combine("manifest", "m.csv"), bytes), new DatasetOptions(Resize: ResizePolicy.Stretch)));

    /// <summary>advscan.json beside a real model and data, read against the CLI's registry (every attack and check).</summary>
    private static void Config(byte[] bytes)
    {
        var text = new UTF8Encoding(false).GetString(bytes);
        _ = ScanConfigReader.Parse(text, Path.Combine(Work.Folder, "config", "advscan.json"), Registry.Value);
    }

    // The provider lives as long as the process: the registry's attacks and checks are its singletons.
    private static readonly Lazy<ScanRegistry> Registry = new(() =>
        new ServiceCollection().AddAdvScanScanner().AddAdvScanChecks().BuildServiceProvider().GetRequiredService<Scanner>().Registry);

    private static void Drain(IImageDataset dataset)
    {
        using (dataset)
            foreach (var batch in dataset.ReadBatches(Enumerable.Range(0, Math.Min(dataset.Count, ExamplesRead)).ToList(), 4)) _ = batch;
    }
}
