using AdvScan.Checks.Corruptions;

namespace AdvScan.Checks.Tests.Corruptions;

/// <summary>
/// Every corruption of the suite on grey, RGB and non-square pictures under both tables: severity 0 is the picture,
/// the output stays in [0,1] with the picture's size and channels, the same seed gives the same bytes and another seed
/// other bytes (for the corruptions that draw at all).
/// </summary>
public class CorruptionPropertyTests
{
    public static TheoryData<string> Names() => [.. CorruptionSuite.All.Select(c => c.Name)];

    /// <summary>Pictures with texture, edges and both extremes, so no corruption is a no-op by accident.</summary>
    internal static Picture Sample(int channels, int height, int width, int seed = 1)
    {
        var random = new Random(seed);
        var picture = Picture.Blank(channels, height, width);
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    double v = (x < width / 2 ? 0.2 : 0.7) + 0.25 * Math.Sin((x + 2 * y + 3 * c) / 3.0) + 0.1 * random.NextDouble();
                    if (y == height / 3) v = 1;
                    if (x == width / 4) v = 0;
                    picture.Pixels[(c * height + y) * width + x] = (float)Math.Clamp(v, 0, 1);
                }
        return picture;
    }

    private static readonly (int C, int H, int W, ParameterTable Table)[] Shapes =
        [(1, 28, 28, ParameterTable.Cifar), (3, 32, 32, ParameterTable.Cifar), (3, 40, 23, ParameterTable.Cifar), (3, 96, 64, ParameterTable.ImageNet), (1, 50, 90, ParameterTable.ImageNet)];

    private static Corruption Named(string name) => CorruptionSuite.All.Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Names))]
    public void Severity_0_returns_the_picture_unchanged(string name)
    {
        foreach (var (c, h, w, table) in Shapes)
        {
            var picture = Sample(c, h, w);
            var result = Named(name).Corrupt(picture, 0, table, new CorruptionRandom(5));
            Assert.Equal(picture.Pixels, result.Pixels);
            Assert.NotSame(picture.Pixels, result.Pixels);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_severity_stays_in_0_1_keeps_size_and_channels_and_changes_the_picture(string name)
    {
        foreach (var (c, h, w, table) in Shapes)
        {
            var picture = Sample(c, h, w);
            var before = (float[])picture.Pixels.Clone();
            for (int severity = 1; severity <= Corruption.MaxSeverity; severity++)
            {
                var result = Named(name).Corrupt(picture, severity, table, new CorruptionRandom((ulong)severity));
                Assert.Equal((c, h, w), (result.Channels, result.Height, result.Width));
                Assert.All(result.Pixels, v => Assert.InRange(v, 0f, 1f));
                Assert.Equal(before, picture.Pixels);
                // Saturate cannot change a grey picture by much, but even there the added saturation darkens it.
                Assert.True(result.Pixels.Zip(before).Any(p => p.First != p.Second), $"{name} at severity {severity} left a {c}x{h}x{w} picture unchanged");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_same_seed_gives_the_same_bytes_and_the_cell_seed_depends_on_example_corruption_and_severity(string name)
    {
        var corruption = Named(name);
        var picture = Sample(3, 32, 32);
        for (int severity = 1; severity <= Corruption.MaxSeverity; severity++)
        {
            var first = corruption.Corrupt(picture, severity, ParameterTable.Cifar, CorruptionRandom.For(7, 12, name, severity));
            var again = corruption.Corrupt(picture, severity, ParameterTable.Cifar, CorruptionRandom.For(7, 12, name, severity));
            Assert.Equal(first.Pixels, again.Pixels);
        }
        var a = CorruptionRandom.For(7, 12, name, 3).NextULong();
        Assert.NotEqual(a, CorruptionRandom.For(8, 12, name, 3).NextULong());
        Assert.NotEqual(a, CorruptionRandom.For(7, 13, name, 3).NextULong());
        Assert.NotEqual(a, CorruptionRandom.For(7, 12, name, 4).NextULong());
        Assert.NotEqual(a, CorruptionRandom.For(7, 12, name + "x", 3).NextULong());
    }

    [Theory]
    [InlineData("gaussian-noise")] [InlineData("shot-noise")] [InlineData("impulse-noise")] [InlineData("speckle-noise")]
    [InlineData("glass-blur")] [InlineData("motion-blur")] [InlineData("snow")] [InlineData("frost")] [InlineData("fog")]
    [InlineData("spatter")] [InlineData("elastic-transform")]
    public void Random_corruptions_differ_between_seeds(string name)
    {
        var picture = Sample(3, 32, 32);
        var one = Named(name).Corrupt(picture, 3, ParameterTable.Cifar, new CorruptionRandom(1));
        var two = Named(name).Corrupt(picture, 3, ParameterTable.Cifar, new CorruptionRandom(2));
        Assert.NotEqual(one.Pixels, two.Pixels);
    }

    [Fact]
    public void The_suite_is_the_15_benchmark_and_4_held_out_corruptions_with_their_families()
    {
        Assert.Equal(19, CorruptionSuite.All.Select(c => c.Name).Distinct().Count());
        Assert.Equal(["speckle-noise", "gaussian-blur", "spatter", "saturate"], CorruptionSuite.All.Where(c => c.Extra).Select(c => c.Name));
        Assert.Equal(3, CorruptionSuite.Select("noise", out _)!.Count(c => !c.Extra));
        Assert.Equal(4, CorruptionSuite.Select("blur", out _)!.Count(c => !c.Extra));
        Assert.Equal(["snow", "frost", "fog", "brightness"], CorruptionSuite.Select("weather", out _)!.Where(c => !c.Extra).Select(c => c.Name));
        Assert.Equal(15, CorruptionSuite.Select("benchmark", out _)!.Count);
        Assert.Null(CorruptionSuite.Select("noise,hail", out var unknown));
        Assert.Equal("hail", unknown);
        Assert.Equal(ParameterTable.Cifar, CorruptionSuite.TableFor(28, 28));
        Assert.Equal(ParameterTable.Cifar, CorruptionSuite.TableFor(84, 300));
        Assert.Equal(ParameterTable.ImageNet, CorruptionSuite.TableFor(85, 85));
    }
}
