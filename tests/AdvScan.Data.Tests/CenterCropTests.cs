namespace AdvScan.Data.Tests;

/// <summary>
/// ImageNet-style resize + centre crop against oracles that do not share its code: torchvision's published geometry
/// for Resize(256) + CenterCrop(224), an exact 2x2 box average for a halving, and bilinear's exactness on a linear ramp.
/// </summary>
public sealed class CenterCropTests : IDisposable
{
    private readonly Fixtures _f = new();

    public void Dispose() => _f.Dispose();

    [Theory]
    // (height, width) -> torchvision: Resize(256) makes the shorter side 256 and the longer int(256 * long / short);
    // CenterCrop(224) starts at int(round((size - 224) / 2)), Python's round taking ties to even (58.5 -> 58).
    [InlineData(375, 500, 256, 341, 16, 58)]
    [InlineData(500, 375, 341, 256, 58, 16)]
    [InlineData(512, 768, 256, 384, 16, 80)]
    [InlineData(256, 256, 256, 256, 16, 16)]
    [InlineData(100, 150, 256, 384, 16, 80)]
    public void Geometry_matches_torchvisions_resize_256_and_center_crop_224(int h, int w, int rh, int rw, int top, int left) =>
        Assert.Equal((rh, rw, top, left), Resampling.CenterCropGeometry(h, w, 224, 224));

    [Fact]
    public void Halving_then_cropping_is_the_exact_two_by_two_average_of_the_centre()
    {
        // 512x768 -> 256x384 (a factor of 2, where bilinear with half-pixel centres is the 2x2 mean), crop at (16, 80).
        var random = new Random(4);
        int h = 512, w = 768, c = 3;
        var source = new float[c * h * w];
        for (int i = 0; i < source.Length; i++) source[i] = random.Next(256) / 255f;
        var target = new float[c * 224 * 224];
        Resampling.Apply(ResizePolicy.CenterCrop, source, c, h, w, target, 224, 224);
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < 224; y++)
                for (int x = 0; x < 224; x++)
                {
                    int sy = 2 * (y + 16), sx = 2 * (x + 80), plane = ch * h * w;
                    float expected = (source[plane + sy * w + sx] + source[plane + sy * w + sx + 1]
                        + source[plane + (sy + 1) * w + sx] + source[plane + (sy + 1) * w + sx + 1]) / 4;
                    Assert.True(Math.Abs(target[ch * 224 * 224 + y * 224 + x] - expected) < 1e-6f, $"({ch},{y},{x})");
                }
    }

    [Fact]
    public void A_linear_ramp_downscaled_by_a_non_integer_factor_stays_the_ramp_at_the_mapped_coordinates()
    {
        // 320x320 -> 256x256 (scale 1.25 source pixels per output pixel), crop at (16, 16): bilinear interpolation of a
        // linear function is exact, so the output is the ramp at ((i + 16 + 0.5) * 1.25 - 0.5).
        int n = 320;
        var source = new float[n * n];
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++) source[y * n + x] = (0.7f * x + 0.3f * y) / n;
        var target = new float[224 * 224];
        Resampling.Apply(ResizePolicy.CenterCrop, source, 1, n, n, target, 224, 224);
        for (int y = 0; y < 224; y++)
            for (int x = 0; x < 224; x++)
            {
                double fx = (x + 16 + 0.5) * 1.25 - 0.5, fy = (y + 16 + 0.5) * 1.25 - 0.5;
                Assert.True(Math.Abs(target[y * 224 + x] - (0.7 * fx + 0.3 * fy) / n) < 1e-5, $"({y},{x})");
            }
    }

    [Fact]
    public void A_png_folder_read_with_center_crop_keeps_the_centre_and_drops_the_border()
    {
        // 300x400 (HxW) PNG: a 40-pixel red frame round a blue centre. Resized to 256x341 and cropped 224 at (16, 58),
        // the crop keeps part of the top and bottom frame (34 resized rows, from row 16) and none of the sides.
        _f.Png("set/a/x.png", 400, 300, (x, y) => x < 40 || x >= 360 || y < 40 || y >= 260 ? ((byte)255, (byte)0, (byte)0) : ((byte)0, (byte)0, (byte)255));
        using var d = Datasets.Open(_f.PathOf("set"), new DatasetOptions(Resize: ResizePolicy.CenterCrop, Height: 224, Width: 224));
        var batch = d.ReadBatches([0], 1).Single();
        Assert.Equal([1, 3, 224, 224], batch.Shape);
        float Red(int y, int x) => batch.Pixels[y * 224 + x];
        float Blue(int y, int x) => batch.Pixels[2 * 224 * 224 + y * 224 + x];
        Assert.Equal(1f, Blue(112, 112));
        Assert.Equal(0f, Red(112, 112));
        // Crop row 0 is resized row 16, source row (16.5 * 300/256 - 0.5) = 18.8: inside the top frame; row 30 is 53.9.
        Assert.Equal(1f, Red(0, 112));
        Assert.Equal(1f, Red(223, 112));
        Assert.Equal(1f, Blue(30, 112));
        // Crop column 0 is resized column 58, source column (58.5 * 400/341 - 0.5) = 68.1: the side frames are cut.
        Assert.Equal(1f, Blue(112, 0));
        Assert.Equal(1f, Blue(112, 223));
    }
}
