using AdvScan.Onnx;

namespace AdvScan.Engine.Tests.Ops;

public class DataMovementTests
{
    [Fact]
    public void Pad_opset_2_attribute_form_pads_with_a_value() =>
        new OneNodeModel("Pad", 2).Input(1, 2, 3, 3).Attribute("pads", new long[] { 0, 0, 1, 2, 0, 0, 2, 1 }).Attribute("value", 0.5f).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Pad_reflect_mode_mirrors_without_repeating_the_edge() =>
        new OneNodeModel("Pad", 13).Input(1, 2, 4, 5).Longs(0, 0, 2, 1, 0, 0, 1, 3).Attribute("mode", "reflect").AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Pad_edge_mode_repeats_the_border() =>
        new OneNodeModel("Pad", 13).Input(2, 3, 4).Longs(0, 2, 1, 1, 0, 3).Attribute("mode", "edge").AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Pad_negative_pads_crop() =>
        new OneNodeModel("Pad", 13).Input(1, 1, 5, 6).Longs(0, 0, -1, 2, 0, 0, 1, -2).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Pad_opset_18_axes_pads_only_the_named_axes() =>
        new OneNodeModel("Pad", 18).Input(1, 2, 3, 3).Longs(1, 2, 0, 1).Constant(OnnxTensor.FromFloats("v", [], [-1f])).Longs(2, -1)
            .AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Slice_with_negative_step_walks_backwards() =>
        new OneNodeModel("Slice", 13).Input(4, 6).Longs(-1, 5).Longs(0, -100).Longs(0, 1).Longs(-2, -2).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Slice_clamps_out_of_range_bounds() =>
        new OneNodeModel("Slice", 13).Input(3, 5).Longs(-10, 2).Longs(long.MaxValue, 100).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Slice_before_opset_10_reads_attributes() =>
        new OneNodeModel("Slice", 9).Input(3, 5).Attribute("starts", new long[] { 1 }).Attribute("ends", new long[] { -1 }).Attribute("axes", new long[] { 1 })
            .AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Expand_broadcasts_in_both_directions() =>
        Assert.Equal([2L, 3, 4], new OneNodeModel("Expand", 13).Input(3, 1).Longs(2, 1, 4).AssertEngineMatchesOnnxRuntime()[0]);

    [Fact]
    public void Tile_repeats_each_axis() =>
        new OneNodeModel("Tile", 13).Input(2, 3).Longs(2, 3).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void TopK_returns_values_and_int64_indices_along_an_axis() =>
        new OneNodeModel("TopK", 11).Input(3, 7).Longs(3).Attribute("axis", 1L).AssertEngineMatchesOnnxRuntime(OnnxDataType.Float, OnnxDataType.Int64);

    [Fact]
    public void TopK_smallest_when_largest_is_zero() =>
        new OneNodeModel("TopK", 11).Input(2, 6).Longs(2).Attribute("largest", 0L).AssertEngineMatchesOnnxRuntime(OnnxDataType.Float, OnnxDataType.Int64);

    [Theory]
    [InlineData("DCR")]
    [InlineData("CRD")]
    public void DepthToSpace_follows_its_mode(string mode) =>
        new OneNodeModel("DepthToSpace", 13).Input(1, 8, 2, 3).Attribute("blocksize", 2L).Attribute("mode", mode).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void SpaceToDepth_folds_blocks_into_channels() =>
        new OneNodeModel("SpaceToDepth", 13).Input(1, 2, 4, 6).Attribute("blocksize", 2L).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void GatherElements_picks_per_element_with_negative_indices() =>
        new OneNodeModel("GatherElements", 13).Input(3, 4).Constant(new OnnxTensor("i", OnnxDataType.Int64, [2, 4], new long[] { 0, -1, 2, 1, 2, 0, -3, 1 }))
            .AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void CumSum_exclusive_reverse() =>
        new OneNodeModel("CumSum", 14).Input(3, 5).Constant(new OnnxTensor("a", OnnxDataType.Int64, [], new long[] { 1 }))
            .Attribute("exclusive", 1L).Attribute("reverse", 1L).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Trilu_lower_with_offset() =>
        new OneNodeModel("Trilu", 14).Input(4, 5).Constant(new OnnxTensor("k", OnnxDataType.Int64, [], new long[] { -1 })).Attribute("upper", 0L)
            .AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Einsum_batched_matrix_product() =>
        new OneNodeModel("Einsum", 12).Input(2, 3, 4).Input(2, 4, 5).Attribute("equation", "bij,bjk->bik").AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Mod_with_fmod_keeps_the_dividend_sign() =>
        new OneNodeModel("Mod", 13).Input(3, 4).Input([0.7f, -0.9f, 1.3f, -0.4f], 4).Attribute("fmod", 1L).AssertEngineMatchesOnnxRuntime();
}
