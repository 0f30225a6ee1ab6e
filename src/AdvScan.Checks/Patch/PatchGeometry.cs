using System.Globalization;

namespace AdvScan.Checks.Patch;

/// <summary>
/// A patch's size for one area budget on one image size. The area is exact at scale 1: a square's side is
/// sqrt(area*H*W) pixels, a circle's diameter 2*sqrt(area*H*W/pi). The optimised texture has a whole number of pixels,
/// the side rounded to the nearest: resampled to the continuous size when placed under geometric draws, and pasted
/// pixel for pixel without them, where it covers the whole-pixel square (or disk) closest to the budget (9x9 = 81
/// pixels for 10% of 28x28, 10x10 = 100 for 10% of 32x32; rounding up would give 11x11 = 121 there, 18% over).
/// </summary>
public sealed record PatchGeometry(int Channels, int Height, int Width, double Area, PatchShape Shape)
{
    /// <summary>Side (square) or diameter (circle) in image pixels at scale 1.</summary>
    public double Side => Shape == PatchShape.Square
        ? Math.Sqrt(Area * Height * Width)
        : 2 * Math.Sqrt(Area * Height * Width / Math.PI);

    /// <summary>
    /// The key of this area's seeded streams (optimisation, judging, control): derived from the area's value, not its
    /// position in the list, so a patch does not change when another area is listed.
    /// </summary>
    public int SeedKey => unchecked((int)PatchSeeds.Mix(BitConverter.DoubleToInt64Bits(Area)));

    /// <summary>Pixels per side of the optimised (and printed) texture.</summary>
    public int TextureSide => Math.Max(1, (int)Math.Round(Side, MidpointRounding.AwayFromZero));

    /// <summary>Pixels the texture covers when pasted pixel for pixel (the mask's ones), and their share of the image.</summary>
    public int PastedPixels => Mask().Count(v => v > 0);

    public double PastedArea => PastedPixels / (double)(Height * Width);

    /// <summary>Texture opacity, row-major [TextureSide, TextureSide]: all ones for a square, the inscribed disk for a circle.</summary>
    public float[] Mask()
    {
        int s = TextureSide;
        var mask = new float[s * s];
        double r = s / 2.0;
        for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++)
            {
                double dx = x + 0.5 - r, dy = y + 0.5 - r;
                mask[y * s + x] = Shape == PatchShape.Square || dx * dx + dy * dy <= r * r ? 1f : 0f;
            }
        return mask;
    }

    /// <summary>Null when a patch of this size, at the largest scale <paramref name="eot"/> draws, fits <paramref name="region"/>, otherwise why not.</summary>
    public string? FitProblem(PatchRegion region, EotOptions eot)
    {
        // Pasted pixel for pixel, the texture needs its whole-pixel side inside the region's whole pixels.
        double side = eot.Rigid ? TextureSide : Side * eot.MaxScale;
        double regionWidth = (region.X1 - region.X0) * Width, regionHeight = (region.Y1 - region.Y0) * Height;
        if (eot.Rigid)
            (regionWidth, regionHeight) = (Math.Floor(region.X1 * Width + 1e-9) - Math.Ceiling(region.X0 * Width - 1e-9),
                Math.Floor(region.Y1 * Height + 1e-9) - Math.Ceiling(region.Y0 * Height - 1e-9));
        if (Side < 1) return Invariant($"a patch of area {Area} is {Side:0.##} pixels across on a {Height}x{Width} image: under one pixel");
        return side > regionWidth + 1e-9 || side > regionHeight + 1e-9
            ? Invariant($"a {Shape.ToString().ToLowerInvariant()} patch of area {Area} is {side:0.#} pixels across, larger than the region {region} ({regionWidth:0.#}x{regionHeight:0.#} pixels of the {Width}x{Height} image)")
            : null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
