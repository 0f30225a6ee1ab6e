using System.Globalization;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning.Configuration;

namespace AdvScan.Scanning;

/// <summary>Turns measured figures into gate verdicts.</summary>
public static class GateJudge
{
    /// <summary>Judges a gate on the figure a scan measured for it (<see cref="Measure"/>).</summary>
    public static GateResult Judge(GateConfig gate, MetricDefinition metric, MetricValue measured, double nearThreshold) =>
        Judge(gate, metric.Rule, metric.Describe(gate.Source, gate.Budget, gate.Label), measured, nearThreshold);

    /// <param name="subject">The figure in words ("robust accuracy under pgd at eps 0.3"), kept in the result so a merge can re-judge it.</param>
    public static GateResult Judge(GateConfig gate, GateRule rule, string subject, MetricValue measured, double nearThreshold)
    {
        bool isMinimum = gate.Min is not null;
        var interval = measured.Proportion;
        double judged = gate.Bound == GateBound.Point || interval is null ? measured.Value : isMinimum ? interval.Value.Lower : interval.Value.Upper;
        double threshold = gate.Threshold;
        var status = StatusOf(isMinimum, judged, threshold, nearThreshold);
        var c = CultureInfo.InvariantCulture;
        var judgedText = gate.Bound == GateBound.Point || interval is null ? "" : string.Create(c, $" (judged on the {(isMinimum ? "lower" : "upper")} 95% bound {judged:0.0000})");
        var verdict = VerdictText(status, isMinimum);
        var figure = interval is { } p
            ? string.Create(c, $"{measured.Value:0.0000} (95% CI {p.Lower:0.0000}-{p.Upper:0.0000}, {p.Successes}/{p.Trials})")
            : string.Create(c, $"{measured.Value:0.####}");
        var thresholdText = threshold.ToString(interval is null ? "0.####" : "0.0000", c);
        var message = $"{subject} {figure}{judgedText} {verdict} {thresholdText}";
        return new GateResult(gate, rule, status, measured, judged, message) { Subject = subject };
    }

    /// <summary>
    /// Judges a gate of a sequential scan. A settled gate is judged on the pessimistic end of its confidence sequence
    /// (the lower end for a minimum, the upper for a maximum), which lies on the settled side of the threshold; a gate
    /// whose sample ran out first is judged like any other, on the examples used.
    /// </summary>
    public static GateResult Judge(GateConfig gate, MetricDefinition metric, MetricValue measured, double nearThreshold, SequentialVerdict? sequential)
    {
        var plain = Judge(gate, metric, measured, nearThreshold);
        if (sequential is null) return plain;
        var c = CultureInfo.InvariantCulture;
        var sequence = string.Create(c, $"{sequential.Confidence:0.###} confidence sequence {sequential.Lower:0.0000}-{sequential.Upper:0.0000} after {sequential.ExamplesUsed} examples");
        if (sequential.Stop == SequentialStop.SampleExhausted)
            return plain with { Message = $"{plain.Message} (sequential: sample exhausted, {sequence})", Sequential = sequential };
        bool isMinimum = gate.Min is not null;
        double judged = isMinimum ? sequential.Lower : sequential.Upper;
        double threshold = gate.Threshold;
        var status = StatusOf(isMinimum, judged, threshold, nearThreshold);
        var verdict = VerdictText(status, isMinimum);
        var figure = measured.Proportion is { } p
            ? string.Create(c, $"{measured.Value:0.0000} ({p.Successes}/{p.Trials})")
            : string.Create(c, $"{measured.Value:0.####}");
        var message = string.Create(c, $"{plain.Subject} {figure} {verdict} {threshold:0.0000}, settled by the {sequence}");
        return plain with { Status = status, JudgedValue = judged, Message = message, Sequential = sequential };
    }

    /// <summary>Fail on the wrong side of the threshold, near within <paramref name="nearThreshold"/> of it, pass otherwise.</summary>
    private static GateStatus StatusOf(bool isMinimum, double judged, double threshold, double nearThreshold) => isMinimum
        ? judged < threshold ? GateStatus.Fail : judged < threshold + nearThreshold ? GateStatus.Near : GateStatus.Pass
        : judged > threshold ? GateStatus.Fail : judged > threshold - nearThreshold ? GateStatus.Near : GateStatus.Pass;

    private static string VerdictText(GateStatus status, bool isMinimum) => status switch
    {
        GateStatus.Fail => isMinimum ? "is below the minimum" : "exceeds the maximum",
        GateStatus.Near => "passes, but is within the near-threshold margin of",
        _ => isMinimum ? "meets the minimum" : "is within the maximum",
    };

    /// <summary>
    /// The attacks a gate on an attack metric judges (its source, or every attack for none) with the index of the budget
    /// it names on each curve (the largest budget when it names none): the one reading of a gate's figure, for the
    /// judge and for the sequential gates' per-example outcomes.
    /// </summary>
    internal static IReadOnlyList<(AttackReport Report, int Budget)> PointsOf(GateConfig gate, IReadOnlyList<AttackReport> attacks)
    {
        var points = new List<(AttackReport, int)>();
        foreach (var report in gate.Source is null ? attacks : attacks.Where(a => a.Config.Id == gate.Source))
        {
            var curve = report.Result.Curve;
            int at = gate.Budget is null ? curve.Count - 1 : Enumerable.Range(0, curve.Count).FirstOrDefault(b => curve[b].Epsilon == gate.Budget, -1);
            if (at < 0) throw new InvalidInputException(null, $"gate '{gate.Id}' judges {gate.Metric} at eps {gate.Budget}, which attack '{report.Config.Id}' did not run");
            points.Add((report, at));
        }
        if (points.Count == 0) throw new InvalidInputException(null, $"gate '{gate.Id}' judges {gate.Metric}, but no attack ran");
        return points;
    }

    /// <summary>
    /// The figure a gate judges, from what a scan measured: clean accuracy; an attack's figure at the gate's budget (the
    /// attack's largest when none is named; runtime disagreement without an attack sums every attack's largest
    /// budget); or a check's metric at the gate's label and budget. A gate naming no label judges the check's value
    /// without one when there is one; a gate naming no budget judges the value without one when there is one (an
    /// aggregate, <see cref="MetricDefinition.AggregatesBudgets"/>), the check's largest budget otherwise.
    /// </summary>
    public static MetricValue Measure(GateConfig gate, Proportion clean, IReadOnlyList<AttackReport> attacks, IReadOnlyList<CheckReport> checks)
    {
        if (gate.Metric == ScanMetrics.CleanAccuracy.Name) return MetricValue.Of(gate.Metric, clean);
        if (ScanMetrics.Attack.Any(m => m.Name == gate.Metric))
        {
            var points = PointsOf(gate, attacks).Select(p => p.Report.Result.Curve[p.Budget]).ToList();
            var proportion = gate.Metric == ScanMetrics.RobustAccuracy.Name ? points[0].RobustAccuracy
                : gate.Metric == ScanMetrics.AttackSuccess.Name ? points[0].AttackSuccess
                : Proportion.Of(points.Sum(p => p.RuntimeDisagreements), points.Sum(p => p.Attacked));
            return MetricValue.Of(gate.Metric, proportion, gate.Budget);
        }
        var values = checks.Where(c => gate.Source is null || c.Id == gate.Source).SelectMany(c => c.Metrics).Where(m => m.Metric == gate.Metric).ToList();
        if (values.Count == 0) throw new InvalidInputException(null, $"gate '{gate.Id}' judges {gate.Metric}, which no check of this scan reported");
        if (gate.Label is not null || values.Any(v => v.Label is null)) values = values.Where(v => v.Label == gate.Label).ToList();
        if (values.Count == 0) throw new InvalidInputException(null, $"gate '{gate.Id}' judges {gate.Metric} for '{UntrustedText.Escape(gate.Label ?? "")}', which was not measured");
        var budget = gate.Budget ?? (values.Any(v => v.Budget is null) ? null : values.Max(v => v.Budget));
        return values.FirstOrDefault(v => v.Budget == budget)
            ?? throw new InvalidInputException(null, string.Create(CultureInfo.InvariantCulture, $"gate '{gate.Id}' judges {gate.Metric} at budget {budget}, which was not measured"));
    }
}
