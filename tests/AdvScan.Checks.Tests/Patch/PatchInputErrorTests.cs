using AdvScan.Checks.Patch;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Tests.Patch;

/// <summary>Bad patch settings: one error, naming the config file and the line of the offending key, before any work.</summary>
public sealed class PatchInputErrorTests : IDisposable
{
    private const string File = "/project/advscan.json";
    private readonly ModelFixture signs = ModelFixture.Signs();
    private readonly PatchCheck check = new();

    [Theory]
    [InlineData("1.5")]
    [InlineData("0")]
    [InlineData("[0.1, 1]")]
    [InlineData("-0.2")]
    public void An_area_outside_zero_to_one_is_an_error_on_its_line(string area)
    {
        var error = Assert.Throws<InvalidInputException>(() => Configure($"\"area\": {area}"));
        Assert.Equal(File, error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains("area", error.Problem);
    }

    [Theory]
    [InlineData("[0.5, 0.5, 1.2, 1]", "outside the image")]
    [InlineData("[-0.1, 0, 0.5, 0.5]", "outside the image")]
    [InlineData("[0.6, 0, 0.4, 1]", "empty")]
    [InlineData("[0, 0, 1]", "[x0, y0, x1, y1]")]
    public void A_region_outside_the_image_is_an_error_on_its_line(string region, string problem)
    {
        var error = Assert.Throws<InvalidInputException>(() => Configure($"\"region\": {region}"));
        Assert.Equal(3, error.Line);
        Assert.Contains(problem, error.Problem);
    }

    [Fact]
    public void A_target_outside_the_models_classes_is_an_error_on_its_line()
    {
        var settings = Configure("\"target\": 10");
        var error = Assert.Throws<InvalidInputException>(() => check.Run(signs.Context(size: 20, configFile: File, line: 2), settings));
        Assert.Equal(File, error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains("outside the model's 10 classes (0..9)", error.Problem);
    }

    [Fact]
    public void A_patch_larger_than_its_region_is_an_error_on_the_area_line()
    {
        // 20% of a 32x32 image is a 14.3-pixel square; the region is 9.6 pixels wide.
        var settings = Configure("\"area\": 0.2,\n  \"region\": [0.4, 0, 0.7, 1]");
        var error = Assert.Throws<InvalidInputException>(() => check.Run(signs.Context(size: 20, configFile: File, line: 2), settings));
        Assert.Equal(3, error.Line);
        Assert.Contains("larger than the region [0.4, 0, 0.7, 1]", error.Problem);
    }

    [Fact]
    public void Code_first_settings_are_checked_the_same_way_without_a_file()
    {
        var error = Assert.Throws<InvalidInputException>(() => check.Run(signs.Context(size: 20), new PatchSettings { Areas = [1.0] }));
        Assert.Null(error.File);
        Assert.Contains("area 1 must be in (0, 1)", error.Problem);
    }

    [Fact]
    public void Every_key_is_read_into_the_settings()
    {
        var settings = (PatchSettings)check.Configure(ConfigSection.Parse(File, """
            { "attack": "patch", "area": [0.05, 0.1], "target": 3, "shape": "circle", "region": [0.1, 0.2, 0.9, 0.8], "steps": 9,
              "learningRate": 0.2, "imagesPerStep": 5, "drawsPerImage": 3, "restarts": 4, "trainFraction": 0.6, "scale": [0.7, 0.9], "rotation": 10,
              "perspective": 0.1, "brightness": 0.2, "contrast": 0.3, "blur": 0.5, "noise": 0.01, "printability": 0.4,
              "totalVariation": 0.5, "savePatch": "out/p.png", "saveExamples": "ex", "gallery": 2 }
            """));
        Assert.Equal([0.05, 0.1], settings.Areas);
        Assert.Equal(3, settings.Target);
        Assert.Equal(PatchShape.Circle, settings.Shape);
        Assert.Equal(new PatchRegion(0.1, 0.2, 0.9, 0.8), settings.Region);
        Assert.Equal((9, 0.2, 5, 3, 4, 0.6), (settings.Steps, settings.LearningRate, settings.ImagesPerStep, settings.DrawsPerImage, settings.Restarts, settings.TrainFraction));
        Assert.Equal(new EotOptions(0.7, 0.9, 10, 0.1, 0.2, 0.3, 0.5, 0.01), settings.Eot);
        Assert.Equal((0.4, 0.5, 2), (settings.PrintabilityWeight, settings.TotalVariationWeight, settings.GalleryImages));
        Assert.Equal("/project/out/p.png", settings.SavePatch);
        Assert.Equal("/project/ex", settings.SaveExamples);
        Assert.Contains(check.Keys, k => k.Name == "area" && k.Default == "0.1");
        // The schema's defaults are the settings' own.
        var defaults = new PatchSettings();
        Assert.Contains(check.Keys, k => k.Name == "restarts" && k.Default == defaults.Restarts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(check.Keys, k => k.Name == "steps" && k.Default == defaults.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("1.5")]
    public void A_restart_count_outside_one_to_a_thousand_is_an_error_on_its_line(string restarts)
    {
        var error = Assert.Throws<InvalidInputException>(() => Configure($"\"restarts\": {restarts}"));
        Assert.Equal(File, error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains("restarts", error.Problem);
    }

    private PatchSettings Configure(string keys) =>
        (PatchSettings)check.Configure(ConfigSection.Parse(File, "{\n  \"attack\": \"patch\",\n  " + keys + "\n}"));

    public void Dispose() => signs.Dispose();
}
