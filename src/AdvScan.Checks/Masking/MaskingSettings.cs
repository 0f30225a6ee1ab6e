using System.Globalization;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Masking;

/// <summary>Settings of the gradient-masking check.</summary>
/// <param name="Examples">How many examples of the shard's sample the probes use (gradients, repeated passes, per-budget PGD).</param>
/// <param name="ZeroGradientShare">Share of probed examples with an all-zero input gradient from which the model is flagged.</param>
/// <param name="BlackBoxMargin">Share of the sample by which a black-box attack must beat every white-box one to be flagged (at least one example).</param>
/// <param name="ProbeSteps">PGD steps of the independent per-budget probe that looks for robust accuracy rising with eps; 0 turns it off.</param>
public sealed record MaskingSettings(int Examples = 64, double ZeroGradientShare = 0.05, double BlackBoxMargin = 0.02, int ProbeSteps = 10) : CheckSettings
{
    public override string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Examples} probed examples, zero-gradient flag from {ZeroGradientShare:P0}, black-box margin {BlackBoxMargin:P0}, {ProbeSteps}-step per-budget PGD probe");
}
