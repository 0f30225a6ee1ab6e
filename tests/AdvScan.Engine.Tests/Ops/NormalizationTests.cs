namespace AdvScan.Engine.Tests.Ops;

public class NormalizationTests
{
    [Fact]
    public void LayerNormalization_over_the_last_axis() =>
        new OneNodeModel("LayerNormalization", 17).Input(2, 3, 8).Input(8).Input(8).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void LayerNormalization_from_axis_1_with_mean_and_inverse_std_outputs() =>
        new OneNodeModel("LayerNormalization", 17).Input(2, 3, 4).Input(3, 4).Input(3, 4).Attribute("axis", 1L).Attribute("epsilon", 1e-3f)
            .AssertEngineMatchesOnnxRuntime(AdvScan.Onnx.OnnxDataType.Float, AdvScan.Onnx.OnnxDataType.Float, AdvScan.Onnx.OnnxDataType.Float);

    [Fact]
    public void InstanceNormalization_per_sample_and_channel() =>
        new OneNodeModel("InstanceNormalization", 6).Input(2, 3, 4, 5).Input(3).Input(3).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void LRN_sums_squares_over_a_channel_window() =>
        new OneNodeModel("LRN", 13).Input(1, 6, 3, 3).Attribute("size", 5L).Attribute("alpha", 0.01f).Attribute("beta", 0.6f).Attribute("bias", 2f)
            .AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void ThresholdedRelu_zeroes_values_at_or_below_alpha() =>
        new OneNodeModel("ThresholdedRelu", 10).Input(3, 4).Attribute("alpha", 0.4f).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Shrink_with_bias() =>
        new OneNodeModel("Shrink", 9).Input(3, 4).Attribute("lambd", 0.6f).Attribute("bias", 0.2f).AssertEngineMatchesOnnxRuntime();

    [Theory]
    [InlineData("Celu")]
    [InlineData("Elu")]
    [InlineData("Selu")]
    [InlineData("HardSigmoid")]
    [InlineData("HardSwish")]
    [InlineData("Softplus")]
    [InlineData("Softsign")]
    [InlineData("Erf")]
    public void Activation_matches_onnx_runtime(string op) =>
        new OneNodeModel(op, 14).Input(4, 5).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Gelu_tanh_approximation() =>
        new OneNodeModel("Gelu", 20).Input(4, 5).Attribute("approximate", "tanh").AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void PRelu_broadcasts_a_per_channel_slope() =>
        new OneNodeModel("PRelu", 16).Input(2, 3, 2, 2).Input(3, 1, 1).AssertEngineMatchesOnnxRuntime();
}
