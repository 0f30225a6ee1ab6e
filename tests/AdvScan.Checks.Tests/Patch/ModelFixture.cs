using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Tests.Patch;

/// <summary>
/// A checked-in zoo model with its held-out data, opened the way the scanner opens them (ONNX Runtime session,
/// imported graph, dataset with the model's pixel mapping), handing out <see cref="CheckContext"/>s.
/// </summary>
public sealed class ModelFixture : IDisposable
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();
    public static string Fixtures { get; } = Path.Combine(RepositoryRoot, "tests", "fixtures");

    private readonly Lazy<OnnxGraph> graph;

    private ModelFixture(string model, string data, string? labels)
    {
        Model = OnnxModel.Load(Path.Combine(Fixtures, model));
        Runtime = ReferenceSession.Open(Model);
        Dataset = DatasetSource.Open(Path.Combine(Fixtures, data), labels is null ? null : Path.Combine(Fixtures, labels), null, Model);
        graph = new Lazy<OnnxGraph>(() => OnnxGraph.Import(Model, new ImportOptions("cpu")));
    }

    public static ModelFixture Signs() => new("signs-cnn.onnx", "signs-test", null);

    public static ModelFixture MnistRobust() => new("mnist-robust.onnx", "mnist-test-images-idx3-ubyte", "mnist-test-labels-idx1-ubyte");

    public static ModelFixture Fashion() => new("fashion-cnn.onnx", "fashion-test-images-idx3-ubyte", "fashion-test-labels-idx1-ubyte");

    public static ModelFixture MnistCnn() => new("mnist-cnn.onnx", "mnist-test-images-idx3-ubyte", "mnist-test-labels-idx1-ubyte");

    public static ModelFixture FashionCnn() => new("fashion-cnn.onnx", "fashion-test-images-idx3-ubyte", "fashion-test-labels-idx1-ubyte");

    public OnnxModel Model { get; }
    public ReferenceSession Runtime { get; }
    public OpenedDataset Dataset { get; }

    /// <param name="sample">The whole sample (default: a seeded stratified sample of <paramref name="size"/>).</param>
    /// <param name="indices">This shard's part (default: all of the sample).</param>
    public CheckContext Context(int size = 200, long seed = 7, IReadOnlyList<int>? sample = null, IReadOnlyList<int>? indices = null,
        string? configFile = null, int line = 0)
    {
        sample ??= Dataset.Sample(size, seed);
        return new CheckContext(() => graph.Value)
        {
            Model = Model,
            Runtime = Runtime,
            Dataset = Dataset,
            Sample = sample,
            Indices = indices ?? sample,
            Seed = seed,
            BatchSize = 100,
            ConfigFile = configFile,
            Line = line,
            OpenData = (path, labels) => DatasetSource.Open(path, labels, null, Model),
        };
    }

    public void Dispose()
    {
        if (graph.IsValueCreated) graph.Value.Dispose();
        Dataset.Dispose();
        Runtime.Dispose();
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AdvScan.sln"))) return dir.FullName;
        throw new InvalidOperationException("AdvScan.sln not found above " + AppContext.BaseDirectory);
    }
}
