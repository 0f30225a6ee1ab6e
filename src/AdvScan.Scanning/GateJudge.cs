using System.Globalization;
using AdvScan.Scanning.Configuration;

namespace AdvScan.Scanning;

/// <summary>Turns measured figures into gate verdicts.</summary>
public static class GateJudge
{
    public static GateResult Judge(GateConfig gate, Proportion measured, double nearThreshold)
    {
        bool isMinimum = gate.Min is not null;
        double judged = gate.Bound == GateBound.Point ? measured.Value : isMinimum ? measured.Lower : measured.Upper;
        double threshold = gate.Threshold;
        var status = isMinimum
            ? judged < threshold ? GateStatus.Fail : judged < threshold + nearThreshold ? GateStatus.Near : GateStatus.Pass
            : judged > threshold ? GateStatus.Fail : judged > threshold - nearThreshold ? GateStatus.Near : GateStatus.Pass;
        var c = CultureInfo.InvariantCulture;
        var what = gate.Metric switch
        {
            GateMetric.CleanAccuracy => "clean accuracy",
            GateMetric.RobustAccuracy => string.Create(c, $"robust accuracy under {gate.Attack} at eps {gate.Epsilon}"),
            GateMetric.AttackSuccess => string.Create(c, $"attack success of {gate.Attack} at eps {gate.Epsilon}"),
            _ => gate.Attack is null ? "runtime disagreement" : string.Create(c, $"runtime disagreement of {gate.Attack} at eps {gate.Epsilon}"),
        };
        var judgedText = gate.Bound == GateBound.Point ? "" : string.Create(c, $" (judged on the {(isMinimum ? "lower" : "upper")} 95% bound {judged:0.0000})");
        var verdict = status switch
        {
            GateStatus.Fail => isMinimum ? "is below the minimum" : "exceeds the maximum",
            GateStatus.Near => "passes, but is within the near-threshold margin of",
            _ => isMinimum ? "meets the minimum" : "is within the maximum",
        };
        var message = string.Create(c,
            $"{what} {measured.Value:0.0000} (95% CI {measured.Lower:0.0000}-{measured.Upper:0.0000}, {measured.Successes}/{measured.Trials}){judgedText} {verdict} {threshold:0.0000}");
        return new GateResult(gate, GateRule.For(gate.Metric), status, measured, judged, message);
    }
}
