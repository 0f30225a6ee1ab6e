using AdvScan.Onnx;
using AdvScan.Runtime;
using TorchSharp;

namespace AdvScan.Engine.Tests;

/// <summary>Once the engine and ONNX Runtime hold the weights, the parsed protobuf's copy is dropped (a third copy before).</summary>
public class WeightReleaseTests
{
    [Fact]
    public void Released_weights_leave_the_engine_and_onnx_runtime_agreeing_and_refuse_a_second_decode()
    {
        var path = TestModels.WriteTemp(TestModels.SmallCnn(), "cnn.onnx");
        var model = OnnxModel.Load(path);
        using var runtime = ReferenceSession.Open(model);
        using var graph = OnnxGraph.Import(model);
        model.ReleaseWeights();

        Assert.True(model.WeightsReleased);
        Assert.All(model.Proto.Graph.Initializer.Where(t => t.Dims.Aggregate(4L, (a, b) => a * b) > 4096), t => Assert.True(t.RawData.IsEmpty));
        Assert.Throws<InvalidOperationException>(() => model.DecodeInitializers().ToList());
        Assert.Throws<InvalidOperationException>(() => graph.ExportModel());

        var input = new float[2 * 12 * 12];
        for (int i = 0; i < input.Length; i++) input[i] = i % 7 / 7f;
        var expected = runtime.RunFirst(new HostTensor(input, [2, 1, 12, 12])).Data;
        using var scope = torch.NewDisposeScope();
        using (torch.no_grad())
        {
            var actual = TensorConversion.ToHostFloats(graph.forward(torch.tensor(input, [2, 1, 12, 12])));
            Assert.True(AdvScan.Scanning.ModelCheck.Compare(actual, expected, 1e-4).Within);
        }
    }

    [Fact]
    public void An_in_memory_model_keeps_its_weights_since_it_has_no_other_copy()
    {
        var model = OnnxModel.Parse(TestModels.SmallCnn().ToBytes());
        model.ReleaseWeights();
        Assert.False(model.WeightsReleased);
        Assert.NotEmpty(model.DecodeInitializers());
    }
}
