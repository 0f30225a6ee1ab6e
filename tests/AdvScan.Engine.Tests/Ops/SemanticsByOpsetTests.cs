namespace AdvScan.Engine.Tests.Ops;

/// <summary>Ops whose meaning changed between opsets: the engine must follow the opset the model declares.</summary>
public class SemanticsByOpsetTests
{
    [Fact]
    public void Softmax_before_opset_13_normalises_the_flattened_tail_from_axis() =>
        new OneNodeModel("Softmax", 11).Input(2, 3, 4).Attribute("axis", 1L).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Softmax_from_opset_13_normalises_one_axis() =>
        new OneNodeModel("Softmax", 13).Input(2, 3, 4).Attribute("axis", 1L).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void LogSoftmax_before_opset_13_defaults_to_axis_1() =>
        new OneNodeModel("LogSoftmax", 11).Input(2, 3, 4).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Clip_before_opset_11_reads_min_and_max_attributes() =>
        new OneNodeModel("Clip", 6).Input(3, 4).Attribute("min", -0.5f).Attribute("max", 0.7f).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Clip_from_opset_11_reads_min_and_max_inputs() =>
        new OneNodeModel("Clip", 13).Input(3, 4).Constant(Scalar(-0.5f)).Constant(Scalar(0.7f)).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Clip_from_opset_11_with_only_max_leaves_the_low_side_open() =>
        new OneNodeModel("Clip", 13).Input(3, 4).Skip().Constant(Scalar(0.3f)).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Squeeze_before_opset_13_reads_axes_attribute() =>
        Assert.Equal([3L, 4], new OneNodeModel("Squeeze", 11).Input(1, 3, 1, 4).Attribute("axes", new long[] { 0, -2 }).AssertEngineMatchesOnnxRuntime()[0]);

    [Fact]
    public void Squeeze_from_opset_13_reads_axes_input() =>
        Assert.Equal([3L, 1, 4], new OneNodeModel("Squeeze", 13).Input(1, 3, 1, 4).Longs(0).AssertEngineMatchesOnnxRuntime()[0]);

    [Fact]
    public void Unsqueeze_before_opset_13_reads_axes_attribute() =>
        Assert.Equal([1L, 3, 4, 1], new OneNodeModel("Unsqueeze", 11).Input(3, 4).Attribute("axes", new long[] { 0, -1 }).AssertEngineMatchesOnnxRuntime()[0]);

    [Fact]
    public void Unsqueeze_from_opset_13_reads_axes_input() =>
        Assert.Equal([3L, 1, 4], new OneNodeModel("Unsqueeze", 13).Input(3, 4).Longs(1).AssertEngineMatchesOnnxRuntime()[0]);

    [Fact]
    public void Split_before_opset_13_reads_split_attribute() =>
        new OneNodeModel("Split", 11).Input(2, 6).Attribute("axis", 1L).Attribute("split", new long[] { 1, 5 })
            .AssertEngineMatchesOnnxRuntime(AdvScan.Onnx.OnnxDataType.Float, AdvScan.Onnx.OnnxDataType.Float);

    [Fact]
    public void Split_from_opset_13_reads_split_input() =>
        new OneNodeModel("Split", 13).Input(2, 6).Longs(4, 2).Attribute("axis", 1L)
            .AssertEngineMatchesOnnxRuntime(AdvScan.Onnx.OnnxDataType.Float, AdvScan.Onnx.OnnxDataType.Float);

    [Fact]
    public void Split_opset_18_num_outputs_makes_a_smaller_last_part() =>
        new OneNodeModel("Split", 18).Input(7, 2).Attribute("num_outputs", 3L)
            .AssertEngineMatchesOnnxRuntime(AdvScan.Onnx.OnnxDataType.Float, AdvScan.Onnx.OnnxDataType.Float, AdvScan.Onnx.OnnxDataType.Float);

    [Fact]
    public void ReduceMean_from_opset_18_reads_axes_input() =>
        new OneNodeModel("ReduceMean", 18).Input(2, 3, 4).Longs(-1, 1).Attribute("keepdims", 0L).AssertEngineMatchesOnnxRuntime();

    private static AdvScan.Onnx.OnnxTensor Scalar(float value) => AdvScan.Onnx.OnnxTensor.FromFloats($"s{value}", [], [value]);
}
