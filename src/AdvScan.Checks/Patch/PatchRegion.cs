using System.Globalization;

namespace AdvScan.Checks.Patch;

/// <summary>
/// Where the patch may sit, in relative image coordinates (0,0 top left, 1,1 bottom right): a sticker goes on the
/// sign's face, not on the sky. The whole patch, at every drawn scale and rotation, stays inside the region.
/// </summary>
public sealed record PatchRegion(double X0, double Y0, double X1, double Y1)
{
    public static PatchRegion Whole { get; } = new(0, 0, 1, 1);

    /// <summary>Null when valid, otherwise what is wrong, for a located error.</summary>
    public string? Problem()
    {
        double[] all = [X0, Y0, X1, Y1];
        if (all.Any(v => !double.IsFinite(v) || v < 0 || v > 1))
            return $"region {this} lies outside the image: every coordinate must be in [0, 1] (relative to the image's width and height)";
        if (X1 <= X0 || Y1 <= Y0) return $"region {this} is empty: it needs x0 < x1 and y0 < y1";
        return null;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[{X0}, {Y0}, {X1}, {Y1}]");
}
