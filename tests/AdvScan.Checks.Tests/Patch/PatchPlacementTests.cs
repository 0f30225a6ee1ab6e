using AdvScan.Checks.Patch;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Checks.Tests.Patch;

/// <summary>The differentiable compositing against exact pixel arithmetic: where a patch lands, how it turns, what it covers.</summary>
public class PatchPlacementTests
{
    private static readonly EotDraw Upright = new(0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0);

    [Fact]
    public void Without_transformations_the_patch_lands_pixel_for_pixel_where_it_was_placed()
    {
        using var scope = torch.NewDisposeScope();
        const int s = 5, x0 = 3, y0 = 7;
        var patch = Texture(3, s, seed: 1);
        var image = torch.rand([1, 3, 16, 20], generator: new Generator(2));
        var draw = Upright with { CenterX = x0 + s / 2.0, CenterY = y0 + s / 2.0, HalfSide = s / 2.0 };
        var placed = PatchApplier.Apply(patch, torch.ones([1, s, s]), image, [draw]);

        var expected = image.clone();
        expected[0, .., y0..(y0 + s), x0..(x0 + s)] = patch;
        Assert.True(placed.allclose(expected, rtol: 0, atol: 1e-5), $"largest difference {(placed - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void A_quarter_turn_shows_the_patch_rotated_by_ninety_degrees()
    {
        using var scope = torch.NewDisposeScope();
        const int s = 4, x0 = 2, y0 = 1;
        var patch = Texture(1, s, seed: 3);
        var image = torch.zeros([1, 1, 8, 8]);
        var draw = Upright with { CenterX = x0 + s / 2.0, CenterY = y0 + s / 2.0, HalfSide = s / 2.0, Angle = Math.PI / 2 };
        var placed = PatchApplier.Apply(patch, torch.ones([1, s, s]), image, [draw]);
        for (int row = y0; row < y0 + s; row++)
            for (int col = x0; col < x0 + s; col++)
                // Output (row, col) shows texel (s-1-(col-x0), row-y0): the texture turned clockwise on screen.
                Assert.Equal(patch[0, s - 1 - (col - x0), row - y0].item<float>(), placed[0, 0, row, col].item<float>(), 4);
    }

    [Theory]
    [InlineData(PatchShape.Square, 0.1)]
    [InlineData(PatchShape.Circle, 0.1)]
    [InlineData(PatchShape.Square, 0.05)]
    public void The_placed_patch_covers_its_area_budget(PatchShape shape, double area)
    {
        using var scope = torch.NewDisposeScope();
        var geometry = new PatchGeometry(1, 32, 32, area, shape);
        int s = geometry.TextureSide;
        var draws = Enumerable.Range(0, 16).Select(i => Upright with { CenterX = 16 + i * 0.07, CenterY = 15.5, HalfSide = geometry.Side / 2 }).ToList();
        var placed = PatchApplier.Apply(torch.ones([1, s, s]), torch.tensor(geometry.Mask(), [1, s, s]), torch.zeros([16, 1, 32, 32]), draws);
        double coverage = placed.mean().item<float>();
        Assert.InRange(coverage, area * 0.9, area * 1.1);
    }

    [Fact]
    public void Every_drawn_placement_stays_inside_the_region_whatever_the_rotation_and_keystone()
    {
        using var scope = torch.NewDisposeScope();
        var geometry = new PatchGeometry(1, 32, 32, 0.05, PatchShape.Square);
        var region = new PatchRegion(0.25, 0.125, 0.875, 0.75);
        var options = EotOptions.Default with { MaxNoise = 0, MaxBrightness = 0, MaxContrast = 0 };
        var random = new Random(5);
        var draws = Enumerable.Range(0, 64).Select(_ => EotDraw.Sample(random, geometry, region, options)).ToList();
        int s = geometry.TextureSide;
        var placed = PatchApplier.Apply(torch.ones([1, s, s]), torch.ones([1, s, s]), torch.zeros([64, 1, 32, 32]), draws);
        var outside = torch.ones([32, 32], ScalarType.Bool);
        outside[4..24, 8..28] = torch.tensor(false);
        Assert.Equal(0f, placed.masked_select(outside.expand(64, 1, 32, 32)).abs().max().item<float>());
        // And the draws do move it around inside.
        Assert.True(draws.Select(d => Math.Round(d.CenterX)).Distinct().Count() > 2);
    }

    [Theory]
    [InlineData(28, 28, 0.1, 0.0)]
    [InlineData(32, 32, 0.1, 0.5)]
    public void Without_geometric_draws_the_texture_is_pasted_pixel_for_pixel_anywhere_in_the_region(int height, int width, double area, double blur)
    {
        // Issue 26: resampling a 9x9 texture at sub-pixel places blurred it, and the check found weaker patches than a
        // plain paste. Now every corner is a whole pixel, every place in the region is drawn, and the pixels are the texture's.
        using var scope = torch.NewDisposeScope();
        var geometry = new PatchGeometry(1, height, width, area, PatchShape.Square);
        int s = geometry.TextureSide;
        Assert.Equal((int)Math.Round(Math.Sqrt(area * height * width)), s);
        var options = EotOptions.None with { MaxBlurSigma = blur };
        var random = new Random(11);
        var draws = Enumerable.Range(0, 4000).Select(_ => EotDraw.Sample(random, geometry, PatchRegion.Whole, options)).ToList();
        int margin = blur > 0 ? 1 : 0;
        var corners = draws.Select(d => (X: d.CenterX - d.HalfSide, Y: d.CenterY - d.HalfSide)).ToList();
        Assert.All(draws, d => Assert.Equal(s / 2.0, d.HalfSide));
        Assert.All(corners, c => Assert.True(c.X == Math.Floor(c.X) && c.Y == Math.Floor(c.Y), $"corner {c} is not a whole pixel"));
        Assert.Equal(Enumerable.Range(margin, width - s - 2 * margin + 1).Select(v => (double)v), corners.Select(c => c.X).Distinct().Order());
        Assert.Equal(Enumerable.Range(margin, height - s - 2 * margin + 1).Select(v => (double)v), corners.Select(c => c.Y).Distinct().Order());

        var patch = Texture(1, s, seed: 8);
        var images = torch.rand([8, 1, height, width], generator: new Generator(9));
        var sharp = draws.Take(8).Select(d => d with { BlurSigma = 0 }).ToList();
        var placed = PatchApplier.Apply(patch, torch.ones([1, s, s]), images, sharp);
        var expected = images.clone();
        for (int i = 0; i < 8; i++)
        {
            int x = (int)corners[i].X, y = (int)corners[i].Y;
            expected[i, .., y..(y + s), x..(x + s)] = patch;
        }
        Assert.True(placed.allclose(expected, rtol: 0, atol: 1e-5), $"largest difference {(placed - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void The_same_draw_gives_the_same_pixels_in_any_batch()
    {
        using var scope = torch.NewDisposeScope();
        var geometry = new PatchGeometry(3, 32, 32, 0.1, PatchShape.Circle);
        int s = geometry.TextureSide;
        var patch = Texture(3, s, seed: 4);
        var mask = torch.tensor(geometry.Mask(), [1, s, s]);
        var images = torch.rand([3, 3, 32, 32], generator: new Generator(6));
        var random = new Random(9);
        var draws = Enumerable.Range(0, 3).Select(_ => EotDraw.Sample(random, geometry, PatchRegion.Whole, EotOptions.Default)).ToList();
        var together = PatchApplier.Apply(patch, mask, images, draws);
        var alone = PatchApplier.Apply(patch, mask, images[1..2], [draws[1]]);
        Assert.True(together[1..2].allclose(alone, rtol: 0, atol: 1e-6));
    }

    private static Tensor Texture(int channels, int side, ulong seed) => torch.rand([channels, side, side], generator: new Generator(seed));
}
