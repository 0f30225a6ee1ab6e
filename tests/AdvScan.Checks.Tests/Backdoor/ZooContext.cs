using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Tests.Backdoor;

/// <summary>
/// A <see cref="CheckContext"/> over a model of the checked-in fixture zoo and its held-out data, built the way the
/// scanner builds one: ONNX Runtime session, opened dataset with the model's pixel mapping, seeded stratified sample,
/// and the imported graph on first use.
/// </summary>
public sealed class ZooContext : IDisposable
{
    private readonly ReferenceSession runtime;
    private readonly OpenedDataset dataset;
    private OnnxGraph? graph;

    public ZooContext(string model, int sampleSize, long seed = 7, string? data = null, string? labels = null)
    {
        Model = OnnxModel.Load(PathOf(model));
        var (images, labelFile) = data is null ? DataFor(model) : (data, labels);
        dataset = DatasetSource.Open(images, labelFile, null, Model);
        runtime = ReferenceSession.Open(Model);
        var sample = dataset.Sample(sampleSize, seed);
        Context = new CheckContext(() => graph ??= OnnxGraph.Import(Model, new ImportOptions("cpu")))
        {
            Model = Model,
            Runtime = runtime,
            Dataset = dataset,
            Sample = sample,
            Indices = sample,
            Seed = seed,
            OpenData = (path, labelsPath) => DatasetSource.Open(path, labelsPath, null, Model),
        };
    }

    public OnnxModel Model { get; }
    public CheckContext Context { get; }

    public static string Root { get; } = FindRoot();

    public static string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>The held-out images and labels each zoo model is measured on.</summary>
    public static (string Images, string? Labels) DataFor(string model) => model switch
    {
        "mnist-cnn.onnx" or "mnist-badnets.onnx" => (PathOf("mnist-test-images-idx3-ubyte"), PathOf("mnist-test-labels-idx1-ubyte")),
        "fashion-cnn.onnx" => (PathOf("fashion-test-images-idx3-ubyte"), PathOf("fashion-test-labels-idx1-ubyte")),
        "signs-cnn.onnx" or "signs-badnets.onnx" => (PathOf("signs-test"), null),
        _ => throw new ArgumentException(model),
    };

    public void Dispose()
    {
        graph?.Dispose();
        runtime.Dispose();
        dataset.Dispose();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures");
            if (File.Exists(Path.Combine(candidate, "README.md"))) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures not found above " + AppContext.BaseDirectory);
    }
}
