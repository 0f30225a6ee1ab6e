using AdvScan.Checks.Patch;
using TorchSharp;

namespace AdvScan.Checks.Tests.Patch;

/// <summary>Non-printability and total variation against values worked out by hand.</summary>
public class PrintabilityTests
{
    [Fact]
    public void A_patch_made_of_palette_colours_scores_zero_non_printability()
    {
        using var scope = torch.NewDisposeScope();
        var palette = Printability.DefaultPalette;
        // A 3x3 patch whose pixels are nine different palette colours.
        var pixels = new float[27];
        for (int p = 0; p < 9; p++)
            for (int c = 0; c < 3; c++) pixels[c * 9 + p] = palette[p * 3][c];
        var score = Printability.NonPrintability(torch.tensor(pixels, [3, 3, 3]), torch.ones([1, 3, 3]), palette).item<float>();
        Assert.InRange(score, 0, 1e-4);
    }

    [Fact]
    public void Non_printability_is_the_distance_to_the_nearest_palette_colour()
    {
        using var scope = torch.NewDisposeScope();
        float[][] palette = [[0, 0, 0], [1, 1, 1]];
        // Mid grey is sqrt(3)/2 from both colours; pure red is 1 from black and sqrt(2) from white.
        var grey = Printability.NonPrintability(torch.full([3, 1, 1], 0.5f), torch.ones([1, 1, 1]), palette).item<float>();
        var red = Printability.NonPrintability(torch.tensor(new float[] { 1, 0, 0 }, [3, 1, 1]), torch.ones([1, 1, 1]), palette).item<float>();
        Assert.Equal(Math.Sqrt(3) / 2, grey, 4);
        Assert.Equal(1, red, 4);
    }

    [Fact]
    public void Only_pixels_inside_the_outline_count()
    {
        using var scope = torch.NewDisposeScope();
        float[][] palette = [[0, 0, 0]];
        var patch = torch.tensor(new float[] { 0, 1 }, [1, 1, 2]);
        var score = Printability.NonPrintability(patch, torch.tensor(new float[] { 1, 0 }, [1, 1, 2]), palette).item<float>();
        Assert.InRange(score, 0, 1e-4);
    }

    [Fact]
    public void Total_variation_is_zero_for_a_flat_patch_and_root_two_for_a_checkerboard()
    {
        using var scope = torch.NewDisposeScope();
        Assert.InRange(Printability.TotalVariation(torch.full([3, 6, 6], 0.3f)).item<float>(), 0, 1e-4);
        var board = new float[36];
        for (int i = 0; i < 36; i++) board[i] = (i / 6 + i % 6) % 2;
        Assert.Equal(Math.Sqrt(2), Printability.TotalVariation(torch.tensor(board, [1, 6, 6])).item<float>(), 4);
    }
}
