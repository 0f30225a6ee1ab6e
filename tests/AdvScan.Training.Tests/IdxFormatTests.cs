using AdvScan.Training;

namespace AdvScan.Training.Tests;

public sealed class IdxFormatTests
{
    [Fact]
    public void Grayscale_set_round_trips_through_idx3_files()
    {
        var set = Fixtures.MnistTest().Subset([0, 500, 999]);
        var dir = Fixtures.TempDirectory();

        IdxFormat.Write(set, Path.Combine(dir, "images"), Path.Combine(dir, "labels"));
        var back = IdxFormat.Read(Path.Combine(dir, "images"), Path.Combine(dir, "labels"), set.ClassNames);

        Assert.Equal(set.Pixels, back.Pixels);
        Assert.Equal(set.Labels, back.Labels);
        Assert.Equal(3, File.ReadAllBytes(Path.Combine(dir, "images"))[3]);
    }

    [Fact]
    public void Rgb_set_round_trips_through_idx4_files()
    {
        var set = SignsGenerator.Generate(4, seed: 1);
        var dir = Fixtures.TempDirectory();

        IdxFormat.Write(set, Path.Combine(dir, "images"), Path.Combine(dir, "labels"));
        var back = IdxFormat.Read(Path.Combine(dir, "images"), Path.Combine(dir, "labels"), set.ClassNames);

        Assert.Equal(3, back.Channels);
        Assert.Equal(set.Pixels, back.Pixels);
    }

    [Fact]
    public void Truncated_images_file_is_bad_input_naming_the_file()
    {
        var dir = Fixtures.TempDirectory();
        var images = Path.Combine(dir, "images");
        File.WriteAllBytes(images, File.ReadAllBytes(Fixtures.PathOf("mnist-test-images-idx3-ubyte"))[..5000]);

        var e = Assert.Throws<InvalidInputException>(() =>
            IdxFormat.Read(images, Fixtures.PathOf("mnist-test-labels-idx1-ubyte"), Architectures.MnistClasses));

        Assert.Equal(images, e.File);
    }

    [Fact]
    public void Label_outside_the_classes_is_bad_input()
    {
        var e = Assert.Throws<InvalidInputException>(() =>
            IdxFormat.Read(Fixtures.PathOf("mnist-test-images-idx3-ubyte"), Fixtures.PathOf("mnist-test-labels-idx1-ubyte"), ["0", "1"]));

        Assert.Contains("outside the 2 classes", e.Message);
    }
}
