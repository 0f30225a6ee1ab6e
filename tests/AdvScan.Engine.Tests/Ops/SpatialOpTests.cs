namespace AdvScan.Engine.Tests.Ops;

public class SpatialOpTests
{
    [Fact]
    public void ConvTranspose_with_groups_strides_asymmetric_pads_and_output_padding() =>
        new OneNodeModel("ConvTranspose", 17).Input(1, 4, 5, 4).Input(4, 3, 3, 2).Input(6)
            .Attribute("group", 2L).Attribute("strides", new long[] { 2, 3 }).Attribute("pads", new long[] { 1, 0, 0, 1 })
            .Attribute("output_padding", new long[] { 1, 2 }).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void ConvTranspose_output_shape_decides_the_padding() =>
        Assert.Equal([1L, 2, 10, 9], new OneNodeModel("ConvTranspose", 17).Input(1, 3, 5, 4).Input(3, 2, 3, 3)
            .Attribute("strides", new long[] { 2, 2 }).Attribute("output_shape", new long[] { 10, 9 }).AssertEngineMatchesOnnxRuntime()[0]);

    [Fact]
    public void ConvTranspose_1d_with_stride_and_pads() =>
        new OneNodeModel("ConvTranspose", 17).Input(2, 3, 6).Input(3, 2, 3).Attribute("strides", new long[] { 2 }).Attribute("pads", new long[] { 1, 2 })
            .AssertEngineMatchesOnnxRuntime();



    [Fact]
    public void ConvTranspose_2d_with_dilation() =>
        new OneNodeModel("ConvTranspose", 17).Input(1, 2, 4, 4).Input(2, 2, 3, 2).Attribute("dilations", new long[] { 2, 3 }).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void ConvTranspose_3d() =>
        new OneNodeModel("ConvTranspose", 17).Input(1, 2, 3, 3, 3).Input(2, 2, 2, 2, 2).Attribute("strides", new long[] { 2, 1, 2 }).AssertEngineMatchesOnnxRuntime();

    [Theory]
    [InlineData("half_pixel", "round_prefer_floor")]
    [InlineData("asymmetric", "floor")]
    [InlineData("align_corners", "round_prefer_ceil")]
    [InlineData("pytorch_half_pixel", "ceil")]
    [InlineData("tf_half_pixel_for_nn", "round_prefer_floor")]
    public void Resize_nearest_follows_coordinate_and_rounding_modes(string coordinates, string nearest) =>
        new OneNodeModel("Resize", 13).Input(1, 2, 4, 5).Skip().Floats(1, 1, 1.7f, 0.6f)
            .Attribute("mode", "nearest").Attribute("coordinate_transformation_mode", coordinates).Attribute("nearest_mode", nearest)
            .AssertEngineMatchesOnnxRuntime();

    [Theory]
    [InlineData("half_pixel")]
    [InlineData("align_corners")]
    [InlineData("asymmetric")]
    [InlineData("pytorch_half_pixel")]
    public void Resize_linear_follows_coordinate_mode(string coordinates) =>
        new OneNodeModel("Resize", 13).Input(1, 2, 4, 5).Skip().Floats(1, 1, 2.5f, 0.8f)
            .Attribute("mode", "linear").Attribute("coordinate_transformation_mode", coordinates).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Resize_cubic_with_sizes_and_exclude_outside() =>
        new OneNodeModel("Resize", 13).Input(1, 1, 5, 6).Skip().Skip().Longs(1, 1, 9, 4)
            .Attribute("mode", "cubic").Attribute("exclude_outside", 1L).Attribute("cubic_coeff_a", -0.5f).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Resize_opset_10_nearest_upsamples_like_upsample() =>
        new OneNodeModel("Resize", 10).Input(1, 1, 3, 3).Floats(1, 1, 2, 3).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Upsample_opset_9_linear() =>
        new OneNodeModel("Upsample", 9).Input(1, 2, 3, 4).Floats(1, 1, 2, 2).Attribute("mode", "linear").AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Upsample_opset_7_reads_scales_attribute() =>
        new OneNodeModel("Upsample", 7).Input(1, 2, 3, 4).Attribute("scales", new float[] { 1, 1, 2, 2 }).AssertEngineMatchesOnnxRuntime();

    [Fact]
    public void Resize_tf_crop_and_resize_is_refused_clearly()
    {
        var error = Assert.Throws<InvalidInputException>(() =>
            new OneNodeModel("Resize", 13).Input(1, 1, 4, 4).Floats(0, 0, 0, 0, 1, 1, 1, 1).Floats(1, 1, 2, 2)
                .Attribute("coordinate_transformation_mode", "tf_crop_and_resize").AssertEngineMatchesOnnxRuntime());
        Assert.Contains("tf_crop_and_resize", error.Message);
    }
}
