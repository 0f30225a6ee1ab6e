using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;

namespace AdvScan.Engine.Tests.Runtime;

/// <summary>
/// A scan holds the weights once: after the import ONNX Runtime reads the engine's float32 arrays instead of its own
/// copy, and judges exactly as a session over the file does.
/// </summary>
public class SharedWeightsTests
{
    private static string Mnist => Path.Combine(Conformance.ConformanceCase.FixtureRoot(), "..", "mnist-cnn.onnx");

    private static HostTensor Input()
    {
        var random = new Random(5);
        return new HostTensor(Enumerable.Range(0, 8 * 28 * 28).Select(_ => (float)random.NextDouble()).ToArray(), [8, 1, 28, 28]);
    }

    [Fact]
    public void Import_for_a_scan_hands_every_large_float_weight_to_onnx_runtime_and_judges_as_the_file_does()
    {
        var reference = OnnxModel.Load(Mnist);
        using var fromFile = ReferenceSession.Open(reference, RuntimeSessions.Options());
        var expected = fromFile.RunFirst(Input()).Data;

        var model = OnnxModel.Load(Mnist);
        int large = model.Proto.Graph.Initializer.Count(t => t.DataType == (int)OnnxDataType.Float && t.RawData.Length > OnnxModel.SharedInitializerBytes);
        Assert.True(large >= 2, $"the fixture has {large} large weights");
        using var runtime = RuntimeSessions.Open(model);
        Assert.Equal(0, runtime.SharedInitializerCount);
        using var graph = RuntimeSessions.ImportTarget(model, runtime, "cpu");

        Assert.Equal(large, runtime.SharedInitializerCount);
        Assert.Equal(large, graph.SharedWeights.Count);
        Assert.True(model.WeightsReleased);
        var actual = runtime.RunFirst(Input()).Data;
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"logit {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void Trainable_imports_share_nothing_since_an_optimizer_writes_their_weights()
    {
        var model = OnnxModel.Load(Mnist);
        using var graph = OnnxGraph.Import(model, new ImportOptions(TrainableInitializers: true));
        Assert.Empty(graph.SharedWeights);
    }
}
