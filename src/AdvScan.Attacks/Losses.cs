using AdvScan.Engine;
using static TorchSharp.torch;

namespace AdvScan.Attacks;

/// <summary>Losses of the AutoAttack family (Croce &amp; Hein 2020) that cross-entropy is not.</summary>
internal static class Losses
{
    private const double Tiny = 1e-12;

    /// <summary>
    /// Targeted Difference of Logits Ratio, per example: -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2), where pi sorts the
    /// logits in decreasing order. Invariant to shifting and scaling the logits, so a saturating or rescaled head cannot
    /// flatten it the way it flattens cross-entropy. Needs four classes; with fewer it is the plain logit difference
    /// z_t - z_y (scale-dependent, but still pointing the right way).
    /// </summary>
    public static Tensor TargetedDlr(Tensor logits, Tensor labels, Tensor targets)
    {
        var zy = logits.gather(1, labels.unsqueeze(1)).squeeze(1);
        var zt = logits.gather(1, targets.unsqueeze(1)).squeeze(1);
        if (logits.shape[1] < 4) return zt - zy;
        var sorted = logits.sort(1, descending: true).Values;
        var scale = (sorted.select(1, 0) - sorted.select(1, 2).Plus(sorted.select(1, 3)).Over(2L)).Plus(Tiny);
        return -(zy - zt) / scale;
    }
}
