using AdvScan.Onnx;
using AdvScan.Scanning;

namespace AdvScan.Engine.Tests;

/// <summary>Parity is judged relative to the output's scale, with no absolute slack, so it means the same at any scale.</summary>
public class ParityToleranceTests
{
    private static float[] Logits(double scale, int seed) =>
        TestModels.RandomFloats(new Random(seed), 20, 1).Select(v => (float)(v * scale)).ToArray();

    [Theory]
    [InlineData(1e-9)]
    [InlineData(1.0)]
    [InlineData(1e6)]
    public void An_all_zero_output_fails_parity_whatever_the_scale_of_the_logits(double scale)
    {
        var expected = Logits(scale, 1);
        Assert.False(ModelCheck.Compare(new float[expected.Length], expected, 1e-4).Within);
    }

    [Theory]
    [InlineData(1e-9)]
    [InlineData(1.0)]
    [InlineData(1e6)]
    public void Differences_a_fraction_of_the_tolerance_times_the_output_scale_pass_at_any_scale(double scale)
    {
        var expected = Logits(scale, 2);
        double max = expected.Max(v => Math.Abs((double)v));
        var near = expected.Select((v, i) => (float)(v + (i % 2 == 0 ? 1 : -1) * 0.5e-4 * max)).ToArray();
        var far = expected.Select((v, i) => (float)(v + (i % 2 == 0 ? 1 : -1) * 3e-4 * max)).ToArray();
        Assert.True(ModelCheck.Compare(near, expected, 1e-4).Within);
        Assert.False(ModelCheck.Compare(far, expected, 1e-4).Within);
    }

    [Fact]
    public void A_model_whose_logits_are_around_1e_minus_9_passes_model_check_on_its_own_scale()
    {
        // SmallCnn with its last layer scaled down a billion times: logits ~1e-9, as random-weight MobileNets give.
        var b = TestModels.SmallCnn();
        var proto = b.Build();
        var fc = proto.Graph.Initializer.First(t => t.Name == "fc.weight");
        var decoded = TensorDecoder.Decode(fc, null, null);
        var scaled = ((float[])decoded.Data).Select(v => v * 1e-9f).ToArray();
        proto.Graph.Initializer[proto.Graph.Initializer.IndexOf(fc)] = OnnxTensor.FromFloats("fc.weight", decoded.Dims, scaled).ToProto();
        proto.Graph.Initializer[proto.Graph.Initializer.IndexOf(proto.Graph.Initializer.First(t => t.Name == "fc.bias"))] =
            OnnxTensor.FromFloats("fc.bias", [3], [0f, 0f, 0f]).ToProto();
        var path = Path.Combine(Path.GetDirectoryName(TestModels.WriteTemp(b, "unused.onnx"))!, "tiny-logits.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(proto));

        var report = ModelCheck.Run(path);
        Assert.InRange(report.MaxAbsoluteDifference, 0, 1e-12);
        Assert.True(report.ParityHolds, $"max rel {report.MaxRelativeDifference:G3}");
    }
}
