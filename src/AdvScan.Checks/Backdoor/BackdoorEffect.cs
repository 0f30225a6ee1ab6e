using AdvScan.Attacks;
using AdvScan.Scanning;

namespace AdvScan.Checks.Backdoor;

/// <summary>What a trigger does to a model, as ONNX Runtime judges it on held-out images.</summary>
/// <param name="CleanAccuracy">Accuracy on the images as they are.</param>
/// <param name="TriggerSuccess">Of the images not of the target class, the share the stamped trigger sends to the target.</param>
public sealed record BackdoorEffect(Proportion CleanAccuracy, Proportion TriggerSuccess)
{
    public static BackdoorEffect Measure(IScoreOracle oracle, HostImages held, MaskedTrigger trigger, int target, CancellationToken cancellationToken = default)
    {
        var clean = OracleBatches.Predict(oracle, held.Pixels, held.Shape, cancellationToken);
        var others = held.Rows(Enumerable.Range(0, held.Count).Where(i => held.Labels[i] != target).ToList());
        var stamped = OracleBatches.Predict(oracle, trigger.StampAll(others.Pixels), others.Shape, cancellationToken);
        return new BackdoorEffect(Proportion.Of(clean.Where((p, i) => p == held.Labels[i]).Count(), held.Count),
            Proportion.Of(stamped.Count(p => p == target), others.Count));
    }
}
