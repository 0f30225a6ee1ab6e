using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Scanning;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Attacks.Tests;

/// <summary>A zoo model from tests/fixtures with a seeded, stratified sample of the held-out MNIST digits.</summary>
internal sealed class MnistFixture : IDisposable
{
    public MnistFixture(string model, int count, long seed = 7)
    {
        Model = OnnxModel.Load(PathOf(model));
        Graph = OnnxGraph.Import(Model, new ImportOptions("cpu"));
        using var data = DatasetSource.Open(PathOf("mnist-test-images-idx3-ubyte"), PathOf("mnist-test-labels-idx1-ubyte"), null, Model);
        var batch = data.Read(data.Sample(count, seed), count, default).Single();
        (Pixels, Shape, Labels) = (batch.Pixels, batch.Shape, batch.Labels);
    }

    public OnnxModel Model { get; }
    public OnnxGraph Graph { get; }
    public float[] Pixels { get; }
    public long[] Shape { get; }
    public int[] Labels { get; }
    public int Count => Labels.Length;

    public Tensor PixelTensor() => torch.tensor(Pixels, Shape);
    public Tensor LabelTensor() => torch.tensor(Labels.Select(l => (long)l).ToArray(), [Count]);

    /// <summary>Runs a white-box attack on the whole sample; per example, whether the graph was fooled.</summary>
    public bool[] Fooled(IEvasionAttack attack, AttackSettings settings)
    {
        using var scope = torch.NewDisposeScope();
        var result = attack.Attack(new GraphClassifier(Graph), PixelTensor(), LabelTensor(), settings);
        return result.Fooled.data<bool>().ToArray();
    }

    public static string PathOf(string name) => Path.Combine(Root, name);

    private static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures");
            if (File.Exists(Path.Combine(candidate, "README.md"))) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures not found above " + AppContext.BaseDirectory);
    }

    public void Dispose() => Graph.Dispose();
}
