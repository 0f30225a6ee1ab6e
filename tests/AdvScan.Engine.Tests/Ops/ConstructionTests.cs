using AdvScan.Onnx;

namespace AdvScan.Engine.Tests.Ops;

public class ConstructionTests
{
    [Fact]
    public void Range_counts_ceil_of_span_over_delta() =>
        Assert.Equal([6L], new OneNodeModel("Range", 11).Constant(Scalar("s", 1.5f)).Constant(Scalar("l", -1.2f)).Input([-0.5f])
            .AssertEngineMatchesOnnxRuntime()[0]);

    [Fact]
    public void OneHot_wraps_negative_indices_and_leaves_out_of_range_ones_off() =>
        new OneNodeModel("OneHot", 11).Constant(new OnnxTensor("i", OnnxDataType.Int64, [2, 2], new long[] { 0, -1, 7, 2 }))
            .Constant(new OnnxTensor("d", OnnxDataType.Int64, [], new long[] { 4 })).Input([-0.5f, 2f], 2).Attribute("axis", 1L)
            .AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void GroupNormalization_opset_21_scales_per_channel() =>
        new OneNodeModel("GroupNormalization", 21).Input(2, 6, 3, 2).Input(6).Input(6).Attribute("num_groups", 3L).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void IsInf_can_detect_only_positive_infinity() =>
        new OneNodeModel("IsInf", 20).Input([1f, float.PositiveInfinity, float.NegativeInfinity, float.NaN], 4).Attribute("detect_negative", 0L)
            .AssertEngineMatchesOnnxRuntime(OnnxDataType.Bool);

    [Fact]
    public void ScatterElements_add_accumulates_duplicates() =>
        new OneNodeModel("ScatterElements", 18).Input(3, 3).Constant(new OnnxTensor("i", OnnxDataType.Int64, [1, 3], new long[] { 1, 1, -1 }))
            .Input(1, 3).Attribute("reduction", "add").Attribute("axis", 0L).AssertEngineMatchesOnnxRuntime();

    private static OnnxTensor Scalar(string name, float value) => OnnxTensor.FromFloats(name, [], [value]);
}
