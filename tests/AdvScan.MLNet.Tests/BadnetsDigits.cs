using AdvScan.Data;
using AdvScan.Checks.Backdoor;
using AdvScan.Onnx;
using AdvScan.Scanning;
using AdvScan.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using SkiaSharp;

namespace AdvScan.MLNet.Tests;

/// <summary>One MNIST digit as a pipeline row: [0,1] pixels (28x28, one channel) and its class.</summary>
public sealed class DigitRow
{
    [VectorType(28 * 28)]
    public float[] Pixels { get; set; } = [];
    public int Label { get; set; }
}

/// <summary>One digit as a PNG file, for LoadImages.</summary>
public sealed class DigitFile
{
    public string ImagePath { get; set; } = "";
    public int Label { get; set; }
}

/// <summary>
/// The strip check's own test setting, read by AdvScan's IDX reader: a 300-digit stratified sample (seed 7) of the
/// held-out MNIST digits, shuffled with seed 7 as the check shuffles it; its first 100 calibrate, the other 200 are
/// held out, and the held-out digits of other classes than the target are stamped with the planted trigger
/// (tests/fixtures/mnist-badnets.backdoor.json).
/// </summary>
public sealed class BadnetsDigits
{
    public const int Seed = 7;
    public static string Fixture(string name) => Path.Combine(SignsPipeline.Fixtures, name);
    public static string Model => Fixture("mnist-badnets.onnx");
    public static string Truth => Fixture("mnist-badnets.backdoor.json");

    public BadnetsDigits()
    {
        var model = OnnxModel.Load(Model);
        using var dataset = DatasetSource.Open(Fixture("mnist-test-images-idx3-ubyte"), Fixture("mnist-test-labels-idx1-ubyte"), null, model);
        SampleIndices = dataset.Sample(300, Seed);
        Sample = HostImages.Read(dataset, SampleIndices);
        var order = Enumerable.Range(0, Sample.Count).ToArray();
        new Random(Seed).Shuffle(order);
        Held = Sample.Rows(order[100..]);
        var truth = BackdoorGroundTruth.Load(Truth);
        var trigger = MaskedTrigger.FromSpec(truth.Trigger, 1, 28, 28);
        var victims = Held.Rows(Enumerable.Range(0, Held.Count).Where(i => Held.Labels[i] != truth.TargetClass).ToList());
        Triggered = victims with { Pixels = trigger.StampAll(victims.Pixels) };
    }

    public IReadOnlyList<int> SampleIndices { get; }
    public HostImages Sample { get; }
    public HostImages Held { get; }
    public HostImages Triggered { get; }

    /// <summary>FGSM is the cheapest scan to run at Fit; the guard is what is under test.</summary>
    public static RobustnessScanOptions Options() => new()
    {
        Attack = "fgsm", Epsilon = 0.05, Seed = Seed,
        StripGuard = new StripGuardOptions { Calibration = 100, Overlays = 20, FalseRejectionRate = 0.05 },
    };

    public static IDataView Vectors(MLContext ml, HostImages images) =>
        ml.Data.LoadFromEnumerable(Enumerable.Range(0, images.Count).Select(i => new DigitRow { Pixels = images.Image(i).ToArray(), Label = images.Labels[i] }));

    /// <summary>The digits as 8-bit grayscale PNGs in <paramref name="folder"/>, one row per file.</summary>
    public static IDataView Files(MLContext ml, HostImages images, string folder)
    {
        Directory.CreateDirectory(folder);
        var info = new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque);
        var rows = new List<DigitFile>();
        using var bitmap = new SKBitmap(info);
        for (int i = 0; i < images.Count; i++)
        {
            var bytes = images.Image(i).ToArray().Select(v => (byte)MathF.Round(v * 255)).ToArray();
            System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
            using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            var path = Path.Combine(folder, $"{i:D5}.png");
            File.WriteAllBytes(path, png.ToArray());
            rows.Add(new DigitFile { ImagePath = path, Label = images.Labels[i] });
        }
        return ml.Data.LoadFromEnumerable(rows);
    }

    /// <summary>What an ML.NET user writes for grayscale digits: LoadImages, ResizeImages, ExtractPixels of one channel scaled to [0,1].</summary>
    public static IEstimator<ITransformer> ImageChain(MLContext ml) =>
        ml.Transforms.LoadImages("image", imageFolder: "", inputColumnName: nameof(DigitFile.ImagePath))
            .Append(ml.Transforms.ResizeImages("image", 28, 28))
            .Append(ml.Transforms.ExtractPixels(nameof(DigitRow.Pixels), "image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255));
}
