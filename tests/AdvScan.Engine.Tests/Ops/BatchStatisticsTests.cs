using AdvScan.Engine.Tests.Gradients;
using AdvScan.Onnx;
using AdvScan.Scanning;

namespace AdvScan.Engine.Tests.Ops;

/// <summary>BatchNormalization in training mode (timm's weight-standardised convolutions export it), against ONNX Runtime.</summary>
public class BatchStatisticsTests
{
    private static OneNodeModel TrainingBatchNorm(long channels) =>
        new OneNodeModel("BatchNormalization", 15).Input(3, channels, 4, 5)
            .Floats(Enumerable.Range(0, (int)channels).Select(i => 0.5f + 0.25f * i).ToArray())
            .Floats(Enumerable.Range(0, (int)channels).Select(i => 0.1f * i - 0.2f).ToArray())
            .Floats(Enumerable.Range(0, (int)channels).Select(i => 0.05f * i).ToArray())
            .Floats(Enumerable.Range(0, (int)channels).Select(i => 1f + 0.1f * i).ToArray())
            .Attribute("training_mode", 1L).Attribute("epsilon", 1e-4f).Attribute("momentum", 0.8f);

    /// <summary>ONNX requires all three outputs in training mode; exporters leave the running statistics unread.</summary>
    [Theory]
    [InlineData(4)]
    [InlineData(1)]
    public void BatchNormalization_in_training_mode_normalises_with_the_batchs_own_statistics_and_updates_the_running_ones(long channels) =>
        TrainingBatchNorm(channels).AssertEngineMatchesOnnxRuntime(OnnxDataType.Float, OnnxDataType.Float, OnnxDataType.Float);

    /// <summary>
    /// timm's StdConv2d as exported: the conv weight reshaped to [1, out, in*k*k], BatchNormalization in training mode
    /// over it (standardising each filter), reshaped back, then the convolution; folded to a constant at import.
    /// </summary>
    private static OnnxGraphBuilder StandardisedConv(OnnxDataType type)
    {
        var r = new Random(41);
        var b = new OnnxGraphBuilder("std-conv", 15);
        string Values(string name, long[] dims, double scale, double centre = 0)
        {
            var v = Enumerable.Range(0, (int)dims.Aggregate(1L, (p, q) => p * q)).Select(_ => centre + (r.NextDouble() * 2 - 1) * scale).ToArray();
            return type == OnnxDataType.Double ? b.Initializer(name, dims, v) : b.Initializer(name, dims, v.Select(d => (float)d).ToArray());
        }
        var x = b.Input("input", type, "batch", 3, 8, 8);
        var weight = Values("conv.weight", [6, 3, 3, 3], 0.5, 0.1);
        var flat = b.Node("Reshape", [weight, b.Longs(1, 6, -1)]);
        var standardised = b.Node("BatchNormalization", [flat, Values("ones", [6], 0, 1), Values("zeros", [6], 0), Values("mean", [6], 0), Values("var", [6], 0, 1)], 3,
            new Dictionary<string, object> { ["training_mode"] = 1L, ["epsilon"] = 1e-6f })[0];
        var w = b.Node("Reshape", [standardised, b.Longs(6, 3, 3, 3)]);
        var h = b.Node("Conv", [x, w, Values("conv.bias", [6], 0.1)], new Dictionary<string, object> { ["kernel_shape"] = new long[] { 3, 3 }, ["pads"] = new long[] { 1, 1, 1, 1 } });
        h = b.Node("BatchNormalization", [h, Values("bn.scale", [6], 0.2, 1), Values("bn.bias", [6], 0.1), Values("bn.mean", [6], 0.1), Values("bn.var", [6], 0.2, 1)], 3,
            new Dictionary<string, object> { ["training_mode"] = 1L })[0];
        var pooled = b.Node("Flatten", [b.Node("GlobalAveragePool", [b.Node("Relu", [h])])]);
        b.Output(b.Node("Gemm", [pooled, Values("fc.weight", [4, 6], 0.5), Values("fc.bias", [4], 0.1)], new Dictionary<string, object> { ["transB"] = 1L }), type, "batch", 4);
        return b;
    }

    [Fact]
    public void Weight_standardised_conv_as_timm_exports_it_passes_model_check()
    {
        var report = ModelCheck.Run(TestModels.WriteTemp(StandardisedConv(OnnxDataType.Float), "std-conv.onnx"), new ModelCheckOptions(BatchSize: 3));
        Assert.True(report.ParityHolds, $"max rel {report.MaxRelativeDifference:G3}");
        Assert.True(report.GradientsFlow);
    }

    [Fact]
    public void Weight_standardised_conv_with_batch_statistics_input_gradient_matches_central_differences() =>
        FiniteDifferences.AssertMatches(StandardisedConv(OnnxDataType.Double), [2, 3, 8, 8]);
}
