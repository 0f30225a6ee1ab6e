using AdvScan.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Checks.Patch;

/// <summary>
/// How printable a patch is: Sharif et al.'s (2016) non-printability score against a palette of colours a printer can
/// reproduce, and total variation (printers and cameras smear pixel-to-pixel jumps). Both differentiable, both
/// reported, and each an optional penalty while optimising.
/// </summary>
public static class Printability
{
    /// <summary>
    /// The default palette: the 27 colours of the lattice {0.1, 0.5, 0.9}^3 in RGB. Defined for AdvScan, not measured
    /// on a printer: ink on paper does not reach the cube's extremes (paper is not pure white, black ink not pure
    /// black, saturated primaries fall inside the sRGB gamut), so the lattice sits 10% inside them, and three levels
    /// per channel are what an ordinary CMYK office print reproduces distinguishably. A measured palette (print a
    /// colour chart, photograph it) is the accurate choice for a given printer and camera.
    /// </summary>
    public static float[][] DefaultPalette { get; } = Lattice([0.1f, 0.5f, 0.9f]);

    /// <summary>
    /// Non-printability of a [C,S,S] patch, averaged over the pixels where <paramref name="mask"/> is set: per pixel
    /// the Euclidean distance to the nearest palette colour, 0 when every pixel is printable. Sharif et al. multiply the
    /// distances to every palette colour, which is zero exactly when the nearest one is; with 27 colours that product
    /// underflows float32 (0.5^27 is about 7e-9) and its gradient vanishes, so the factor that decides it is used
    /// instead, which also reads as a distance in pixel units. One-channel patches are judged against the palette's
    /// Rec. 601 grey levels.
    /// </summary>
    public static Tensor NonPrintability(Tensor patch, Tensor mask, IReadOnlyList<float[]> palette)
    {
        long c = patch.shape[0];
        var colours = palette.Select(p => c == 1 ? [0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]] : p).ToList();
        var table = torch.tensor(colours.SelectMany(p => p).ToArray(), [colours.Count, c, 1, 1]).to(patch.device);
        var distance = (patch.unsqueeze(0) - table).Squared().sum(1L).Plus(1e-12).sqrt(); // [P,S,S] (an int literal 0 would bind to sum(ScalarType))
        var perPixel = distance.min(0L).values;
        return (perPixel * mask[0]).sum() / mask.sum().ClampedBelow(1);
    }

    /// <summary>Total variation of a [C,S,S] patch: mean over pixels of the length of the colour gradient to the right and below neighbours.</summary>
    public static Tensor TotalVariation(Tensor patch)
    {
        long s = patch.shape[1];
        if (s < 2) return torch.zeros([], device: patch.device);
        var right = patch.narrow(2, 1, s - 1) - patch.narrow(2, 0, s - 1);
        var down = patch.narrow(1, 1, s - 1) - patch.narrow(1, 0, s - 1);
        var dx = right.narrow(1, 0, s - 1);
        var dy = down.narrow(2, 0, s - 1);
        return dx.Squared().sum(0L).Plus(dy.Squared().sum(0L)).Plus(1e-12).sqrt().mean();
    }

    private static float[][] Lattice(float[] levels) =>
        levels.SelectMany(r => levels.SelectMany(g => levels.Select(b => new[] { r, g, b }))).ToArray();
}
