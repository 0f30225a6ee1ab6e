using AdvScan.Checks.Backdoor;

namespace AdvScan.Checks.Tests.Backdoor;

public class TriggerCompactnessTests
{
    private static MaskedTrigger Mask(int side, Func<int, int, float> value)
    {
        var mask = new float[side * side];
        for (int y = 0; y < side; y++) for (int x = 0; x < side; x++) mask[y * side + x] = value(y, x);
        return new MaskedTrigger(1, side, side, mask, new float[side * side]);
    }

    [Fact]
    public void A_square_patch_has_all_its_mass_in_one_window_wherever_it_sits()
    {
        Assert.Equal(1, TriggerCompactness.Of(Mask(28, (y, x) => y >= 23 && y < 27 && x >= 23 && x < 27 ? 1 : 0)), 10);
        Assert.Equal(1, TriggerCompactness.Of(Mask(28, (y, x) => y < 3 && x < 3 ? 0.5f : 0)), 10);
    }

    [Fact]
    public void A_mask_spread_evenly_over_the_image_holds_only_its_window_share()
    {
        // Total 0.05 x 784 = 39.2, so the window side is 2 ceil(sqrt(39.2)) = 14: 196 of 784 pixels.
        Assert.Equal(196.0 / 784, TriggerCompactness.Of(Mask(28, (_, _) => 0.05f)), 5);
    }

    [Fact]
    public void Two_patches_far_apart_count_as_half_compact()
    {
        var t = Mask(28, (y, x) => (y < 2 && x < 2) || (y >= 26 && x >= 26) ? 1 : 0);
        Assert.Equal(0.5, TriggerCompactness.Of(t), 10);
    }

    [Fact]
    public void An_empty_mask_has_compactness_zero() => Assert.Equal(0, TriggerCompactness.Of(Mask(8, (_, _) => 0)));
}
