using AdvScan.Training;

namespace AdvScan.Training.Tests;

public sealed class SignsGeneratorTests
{
    [Fact]
    public void Same_seed_draws_the_same_pixels_and_another_seed_different_ones()
    {
        var a = SignsGenerator.Generate(20, seed: 5);

        Assert.Equal(a.Pixels, SignsGenerator.Generate(20, seed: 5).Pixels);
        Assert.NotEqual(a.Pixels, SignsGenerator.Generate(20, seed: 6).Pixels);
    }

    [Fact]
    public void Draws_balanced_32x32_rgb_images_of_at_least_eight_classes()
    {
        var set = SignsGenerator.Generate(40, seed: 1);

        Assert.Equal((3, 32, 32), (set.Channels, set.Height, set.Width));
        Assert.True(set.ClassNames.Count >= 8);
        Assert.All(Enumerable.Range(0, set.ClassNames.Count), c => Assert.Equal(40 / set.ClassNames.Count, set.Labels.Count(l => l == c)));
    }

    [Fact]
    public void Pixels_are_eight_bit_levels_in_unit_range()
    {
        var set = SignsGenerator.Generate(10, seed: 2);

        Assert.All(set.Pixels, v => Assert.Equal(ImageSet.Quantize(v), v));
    }

    [Fact]
    public void Two_images_of_one_class_differ_because_of_the_jitter()
    {
        var set = SignsGenerator.Generate(2 * SignsGenerator.ClassNames.Count, seed: 3);

        Assert.False(set.Image(0).SequenceEqual(set.Image(SignsGenerator.ClassNames.Count)));
    }

    [Fact]
    public void Png_folder_export_holds_one_folder_per_class_and_reads_back_exactly()
    {
        var set = SignsGenerator.Generate(20, seed: 4);
        var root = Fixtures.TempDirectory();

        PngFolderWriter.Write(set, root);
        var back = Fixtures.ReadPngFolder(root, set.ClassNames);

        Assert.Equal(set.ClassNames.Order(), Directory.GetDirectories(root).Select(Path.GetFileName).Order());
        var inClassOrder = Enumerable.Range(0, set.Count).OrderBy(i => set.Labels[i]).ThenBy(i => i).ToArray();
        Assert.Equal(set.Subset(inClassOrder).Pixels, back.Pixels);
    }
}
