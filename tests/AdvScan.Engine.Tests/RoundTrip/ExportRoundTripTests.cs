using AdvScan.Onnx;
using AdvScan.Runtime;
using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Tests.RoundTrip;

/// <summary>
/// A model imported with trainable weights and exported again is the same model to ONNX Runtime, and a weight
/// changed in the engine is the weight ONNX Runtime sees in the export.
/// </summary>
public class ExportRoundTripTests
{
    private static readonly long[] BatchShape = [3, 1, 12, 12];

    private static HostTensor Batch()
    {
        var data = TestModels.RandomFloats(new Random(3), 3 * 144, 1.0);
        return new HostTensor(data, BatchShape);
    }

    private static float[] RunOrt(byte[] model)
    {
        using var session = ReferenceSession.Open(OnnxModel.Parse(model));
        return session.RunFirst(Batch()).Data;
    }

    [Fact]
    public void Untrained_export_gives_bit_identical_onnx_runtime_outputs()
    {
        var original = TestModels.SmallCnn().ToBytes();
        using var graph = OnnxGraph.Import(OnnxModel.Parse(original), new ImportOptions(TrainableInitializers: true));
        var exported = graph.ExportModel().ToByteArray();

        Assert.Equal(RunOrt(original), RunOrt(exported));
    }

    [Fact]
    public void Untrained_export_keeps_every_initializer_value()
    {
        var original = TestModels.SmallCnn().Build();
        using var graph = OnnxGraph.Import(OnnxModel.Parse(original.ToByteArray()), new ImportOptions(TrainableInitializers: true));
        var exported = graph.ExportModel();
        foreach (var tensor in original.Graph.Initializer)
        {
            var after = exported.Graph.Initializer.Single(t => t.Name == tensor.Name);
            Assert.Equal(TensorDecoder.Decode(tensor, null, null).Data, TensorDecoder.Decode(after, null, null).Data);
        }
    }

    [Fact]
    public void Changed_weight_reaches_the_export_and_onnx_runtime_agrees_with_the_engine()
    {
        var original = TestModels.SmallCnn().ToBytes();
        using var graph = OnnxGraph.Import(OnnxModel.Parse(original), new ImportOptions(TrainableInitializers: true));
        using (torch.no_grad())
        {
            graph.Initializers["fc.bias"].add_(torch.tensor(new[] { 1.5f, 0f, -2f }));
            graph.Initializers["conv1.weight"].mul_(1.25f);
        }
        var exported = graph.ExportModel().ToByteArray();

        var batch = Batch();
        float[] engine;
        using (var scope = torch.NewDisposeScope())
            engine = TensorConversion.ToHostFloats(graph.forward(torch.tensor(batch.Data, batch.Shape)));
        var before = RunOrt(original);
        var after = RunOrt(exported);

        Assert.NotEqual(before, after);
        for (int i = 0; i < engine.Length; i++)
            Assert.True(Math.Abs(engine[i] - after[i]) <= 1e-4 * (1 + Math.Abs(after[i])), $"logit {i}: engine {engine[i]}, exported model in ONNX Runtime {after[i]}");
    }
}
