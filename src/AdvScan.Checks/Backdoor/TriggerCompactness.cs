namespace AdvScan.Checks.Backdoor;

/// <summary>
/// How patch-like a recovered mask is: the largest share of its mass inside one square window of side
/// 2 ceil(sqrt(L1)), twice the side of the smallest square that could hold that mass (so a patch keeps slack for a soft
/// edge or a slightly larger sticker). A planted patch trigger recovers as a compact blob (0.75-1.0 on mnist-badnets and
/// signs-badnets over five draws); the small masks that reach a natural "easy" class of a clean model spread over the
/// object's outline (fashion-cnn's bag and shirt: 0.27-0.50), which is what lets the check tell the two apart where the
/// norms alone cannot.
/// </summary>
public static class TriggerCompactness
{
    /// <summary>Masks whose compactness reaches this count as patch-like, and only those are flagged.</summary>
    public const double DefaultMinimum = 0.6;

    public static double Of(MaskedTrigger trigger)
    {
        double total = trigger.MaskNorm;
        if (!(total > 0)) return 0;
        int h = trigger.Height, w = trigger.Width;
        int side = Math.Min(Math.Min(h, w), 2 * (int)Math.Ceiling(Math.Sqrt(total)));
        // Summed-area table: every window's mass in O(1).
        var integral = new double[(h + 1) * (w + 1)];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                integral[(y + 1) * (w + 1) + x + 1] = trigger.Mask[y * w + x] + integral[y * (w + 1) + x + 1] + integral[(y + 1) * (w + 1) + x] - integral[y * (w + 1) + x];
        double best = 0;
        for (int y = 0; y + side <= h; y++)
            for (int x = 0; x + side <= w; x++)
            {
                double sum = integral[(y + side) * (w + 1) + x + side] - integral[y * (w + 1) + x + side] - integral[(y + side) * (w + 1) + x] + integral[y * (w + 1) + x];
                best = Math.Max(best, sum);
            }
        return Math.Min(1, best / total);
    }
}
