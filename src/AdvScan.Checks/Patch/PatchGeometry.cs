using System.Globalization;

namespace AdvScan.Checks.Patch;

/// <summary>
/// A patch's size for one area budget on one image size. The area is exact at scale 1: a square's side is
/// sqrt(area*H*W) pixels, a circle's diameter 2*sqrt(area*H*W/pi). The optimised texture has a whole number of pixels
/// (the side rounded up) and is resampled to the continuous size when placed.
/// </summary>
public sealed record PatchGeometry(int Channels, int Height, int Width, double Area, PatchShape Shape)
{
    /// <summary>Side (square) or diameter (circle) in image pixels at scale 1.</summary>
    public double Side => Shape == PatchShape.Square
        ? Math.Sqrt(Area * Height * Width)
        : 2 * Math.Sqrt(Area * Height * Width / Math.PI);

    /// <summary>Pixels per side of the optimised (and printed) texture.</summary>
    public int TextureSide => Math.Max(1, (int)Math.Ceiling(Side - 1e-9));

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

    /// <summary>Null when a patch of this size at <paramref name="maxScale"/> fits <paramref name="region"/>, otherwise why not.</summary>
    public string? FitProblem(PatchRegion region, double maxScale)
    {
        double side = Side * maxScale;
        double regionWidth = (region.X1 - region.X0) * Width, regionHeight = (region.Y1 - region.Y0) * Height;
        if (Side < 1) return Invariant($"a patch of area {Area} is {Side:0.##} pixels across on a {Height}x{Width} image: under one pixel");
        return side > regionWidth + 1e-9 || side > regionHeight + 1e-9
            ? Invariant($"a {Shape.ToString().ToLowerInvariant()} patch of area {Area} is {side:0.#} pixels across, larger than the region {region} ({regionWidth:0.#}x{regionHeight:0.#} pixels of the {Width}x{Height} image)")
            : null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
