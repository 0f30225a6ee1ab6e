using AdvScan.Onnx;
using TorchSharp;

namespace AdvScan.Engine.Tests.Ops;

/// <summary>ScatterND, GatherND and Dropout's training-mode form, each against ONNX Runtime on a one-node model.</summary>
public class ScatterGatherNDTests
{
    private static OnnxTensor Indices(long[] dims, params long[] values) => OnnxTensor.FromLongs("indices", dims, values);

    [Fact]
    public void ScatterND_replaces_whole_rows_addressed_by_one_index() =>
        new OneNodeModel("ScatterND", 13).Input(4, 3, 5).Constant(Indices([2, 1], 1, 3)).Input(2, 3, 5).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void ScatterND_replaces_slices_addressed_by_index_pairs_with_negative_indices_from_the_end() =>
        new OneNodeModel("ScatterND", 13).Input(4, 3, 5).Constant(Indices([3, 2], 0, 1, 2, -1, 3, 0)).Input(3, 5).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void ScatterND_replaces_single_elements_addressed_by_full_tuples_in_a_nested_index_layout() =>
        new OneNodeModel("ScatterND", 13).Input(3, 4).Constant(Indices([2, 2, 2], 0, 0, 1, 3, 2, 1, 2, 2)).Input(2, 2).AssertEngineMatchesOnnxRuntime();

    [Theory]
    [InlineData("add", 16)]
    [InlineData("mul", 16)]
    [InlineData("max", 18)]
    [InlineData("min", 18)]
    public void ScatterND_reduction_combines_every_update_including_repeated_rows(string reduction, long opset) =>
        new OneNodeModel("ScatterND", opset).Input(4, 3, 5).Constant(Indices([3, 1], 1, 1, 2)).Input(3, 3, 5)
            .Attribute("reduction", reduction).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void ScatterND_with_an_index_outside_the_data_is_refused_in_one_line()
    {
        var error = Assert.ThrowsAny<InvalidInputException>(() =>
            new OneNodeModel("ScatterND", 13).Input(4, 3).Constant(Indices([1, 1], 4)).Input(1, 3).AssertEngineMatchesOnnxRuntime());
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void GatherND_picks_slices_by_index_pairs() =>
        new OneNodeModel("GatherND", 13).Input(4, 3, 5).Constant(Indices([2, 2, 2], 0, 1, 3, 2, -1, 0, 2, 2)).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void GatherND_with_batch_dims_indexes_within_each_batch() =>
        new OneNodeModel("GatherND", 13).Input(2, 4, 3, 5).Constant(Indices([2, 3, 2], 0, 1, 3, 2, 1, 1, 2, 0, 0, 2, 3, 1))
            .Attribute("batch_dims", 1L).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Dropout_in_training_mode_with_ratio_zero_is_the_identity_with_an_all_true_mask() =>
        new OneNodeModel("Dropout", 13).Input(2, 3, 4).Constant(OnnxTensor.FromFloats("ratio", [], [0f]))
            .Constant(new OnnxTensor("training_mode", OnnxDataType.Bool, [], new[] { true }))
            .AssertEngineMatchesOnnxRuntime(OnnxDataType.Float, OnnxDataType.Bool);

    [Fact]
    public void Dropout_that_really_drops_in_training_mode_is_refused_naming_the_ratio()
    {
        var error = Assert.ThrowsAny<InvalidInputException>(() =>
            new OneNodeModel("Dropout", 13).Input(2, 3).Constant(OnnxTensor.FromFloats("ratio", [], [0.5f]))
                .Constant(new OnnxTensor("training_mode", OnnxDataType.Bool, [], new[] { true })).AssertEngineMatchesOnnxRuntime());
        Assert.Contains("ratio 0.5", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
