using System.Globalization;

namespace AdvScan.Checks.Backdoor;

/// <summary>
/// How STRIP (Gao et al., 2019) perturbs an input: it is superimposed with each of <paramref name="Overlays"/> clean
/// images as the paper does (OpenCV's addWeighted with both weights 1, i.e. the pixel sum saturated at 1), and the
/// mean Shannon entropy (bits) of the model's predictions on the blends is the input's score. A working trigger
/// dominates every blend, so triggered inputs score low; the threshold is set on clean inputs for
/// <paramref name="FalseRejectionRate"/>.
/// </summary>
/// <param name="Overlays">Clean images superimposed on every input (the same seeded draw for every input, so a score does not depend on the order inputs come in).</param>
public sealed record StripOptions(int Overlays = 20, double FalseRejectionRate = 0.05, int Seed = 0)
{
    public void Validate()
    {
        if (Overlays < 1) throw new InvalidInputException(null, $"STRIP needs at least 1 overlay image, got {Overlays}");
        if (!(FalseRejectionRate >= 0 && FalseRejectionRate < 1))
            throw new InvalidInputException(null, $"STRIP false-rejection rate must lie in [0, 1), got {FalseRejectionRate}");
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"STRIP with {Overlays} superimposed clean images, threshold at {FalseRejectionRate:P1} false rejection, seed {Seed}");
}
