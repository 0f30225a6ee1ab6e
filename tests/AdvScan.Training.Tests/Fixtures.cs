using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Training;
using SkiaSharp;

namespace AdvScan.Training.Tests;

/// <summary>The checked-in fixture zoo (tests/fixtures) and small readers for it.</summary>
internal static class Fixtures
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string name) => System.IO.Path.Combine(Root, name);

    public static OnnxModel Model(string name) => OnnxModel.Load(PathOf(name));

    public static ImageSet MnistTest() => IdxFormat.Read(PathOf("mnist-test-images-idx3-ubyte"), PathOf("mnist-test-labels-idx1-ubyte"), Architectures.MnistClasses);

    public static ImageSet FashionTest() => IdxFormat.Read(PathOf("fashion-test-images-idx3-ubyte"), PathOf("fashion-test-labels-idx1-ubyte"), Architectures.FashionClasses);

    public static ImageSet SignsTest() => ReadPngFolder(PathOf("signs-test"), SignsGenerator.ClassNames);

    /// <summary>The held-out set each zoo model is measured on.</summary>
    public static ImageSet TestSetFor(string model) => model switch
    {
        "mnist-cnn.onnx" or "mnist-badnets.onnx" or "mnist-robust.onnx" => MnistTest(),
        "fashion-cnn.onnx" => FashionTest(),
        "signs-cnn.onnx" or "signs-badnets.onnx" => SignsTest(),
        _ => throw new ArgumentException(model),
    };

    /// <summary>
    /// Reads a class-per-folder set of RGB PNGs, classes in the given order. Test-local: the product's image-folder
    /// reader lives in AdvScan.Data.
    /// </summary>
    public static ImageSet ReadPngFolder(string root, IReadOnlyList<string> classNames)
    {
        var pixels = new List<float>();
        var labels = new List<int>();
        int height = 0, width = 0;
        for (int c = 0; c < classNames.Count; c++)
            foreach (var file in Directory.GetFiles(System.IO.Path.Combine(root, classNames[c]), "*.png").Order(StringComparer.Ordinal))
            {
                using var decoded = SKBitmap.Decode(file);
                using var bitmap = decoded.Copy(SKColorType.Rgba8888);
                (height, width) = (bitmap.Height, bitmap.Width);
                var rgba = bitmap.GetPixelSpan();
                int plane = height * width;
                var image = new float[3 * plane];
                for (int p = 0; p < plane; p++)
                    for (int ch = 0; ch < 3; ch++) image[ch * plane + p] = rgba[p * 4 + ch] / 255f;
                pixels.AddRange(image);
                labels.Add(c);
            }
        return new ImageSet(3, height, width, pixels.ToArray(), labels.ToArray(), classNames);
    }

    /// <summary>Predicted classes according to ONNX Runtime, the deployment runtime.</summary>
    public static int[] OrtPredict(OnnxModel model, ImageSet data)
    {
        using var session = ReferenceSession.Open(model);
        var logits = session.RunFirst(new HostTensor(data.Pixels, data.Shape)).Data;
        int classes = logits.Length / data.Count;
        var predictions = new int[data.Count];
        for (int i = 0; i < data.Count; i++)
            for (int c = 1; c < classes; c++)
                if (logits[i * classes + c] > logits[i * classes + predictions[i]]) predictions[i] = c;
        return predictions;
    }

    public static double Accuracy(IReadOnlyList<int> predictions, IReadOnlyList<int> labels) => EnginePredictor.Accuracy(predictions, labels);

    public static string TempDirectory()
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "advscan-training-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "tests", "fixtures");
            if (File.Exists(System.IO.Path.Combine(candidate, "README.md"))) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures not found above " + AppContext.BaseDirectory);
    }
}
