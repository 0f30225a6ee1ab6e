using AdvScan.Scanning.Configuration;

namespace AdvScan.Scanning;

/// <summary>Why a sequential scan stopped judging a gate: its verdict was settled either way, or the sample ran out first.</summary>
public enum SequentialStop { SettledPass, SettledFail, SampleExhausted }

/// <summary>
/// A gate judged sequentially: the examples the scan used, the anytime-valid confidence sequence's interval for the
/// gate's figure when it stopped (<see cref="ConfidenceSequence"/>, at <see cref="Confidence"/>), and why it stopped.
/// </summary>
/// <param name="Observations">The examples the figure is a rate over (attack success counts only the clean-correct ones).</param>
public sealed record SequentialVerdict(int ExamplesUsed, int Observations, double Lower, double Upper, double Confidence, SequentialStop Stop);

/// <summary>What a sequential scan did: the sample it could have used, the examples it did, and the confidence it settled at.</summary>
public sealed record SequentialScan(int SampleSize, int ExamplesUsed, double Confidence);

/// <summary>
/// The gates of a sequential scan, each with its confidence sequence, fed after every round with the per-example
/// outcomes of the examples that round added. A gate is settled when its sequence lies wholly on one side of the
/// threshold; the scan stops when every gate is. Figures that are not one Bernoulli outcome per example (runtime
/// disagreement, sums over attacks; a check's metrics) cannot be settled early: a gate on one runs the whole sample.
/// </summary>
public sealed class SequentialGates
{
    private readonly List<(GateConfig Gate, ConfidenceSequence? Sequence)> gates;
    private int fed;

    internal SequentialGates(IReadOnlyList<GateConfig> gates, double confidence)
    {
        Confidence = confidence;
        this.gates = gates.Select(g => (g, Settleable(g) ? new ConfidenceSequence(1 - confidence) : null)).ToList();
    }

    public double Confidence { get; }

    private static bool Settleable(GateConfig gate) =>
        gate.Metric == ScanMetrics.CleanAccuracy.Name || gate.Metric == ScanMetrics.RobustAccuracy.Name || gate.Metric == ScanMetrics.AttackSuccess.Name;

    /// <summary>
    /// Feeds the outcomes of the examples at positions from the last call up to <paramref name="used"/>, read from the
    /// attack reports of the examples used so far (worst cases included) and the clean verdicts.
    /// </summary>
    internal void Feed(IReadOnlyList<AttackReport> attacks, IReadOnlyList<bool> cleanCorrect, int used)
    {
        foreach (var (gate, sequence) in gates)
        {
            if (sequence is null) continue;
            if (gate.Metric == ScanMetrics.CleanAccuracy.Name)
            {
                for (int i = fed; i < used; i++) sequence.Add(cleanCorrect[i] ? 1 : 0);
                continue;
            }
            var flags = RobustFlags(gate, attacks);
            for (int i = fed; i < used; i++)
            {
                if (gate.Metric == ScanMetrics.RobustAccuracy.Name) sequence.Add(flags[i] ? 1 : 0);
                else if (cleanCorrect[i]) sequence.Add(flags[i] ? 0 : 1);
            }
        }
        fed = used;
    }

    /// <summary>Per example, robust or not at the gate's budget, in the attack the gate judges (<see cref="GateJudge.PointsOf"/>).</summary>
    private static bool[] RobustFlags(GateConfig gate, IReadOnlyList<AttackReport> attacks)
    {
        var (report, at) = GateJudge.PointsOf(gate, attacks)[0];
        return report.Result.RobustByBudget![at];
    }

    /// <summary>Whether every gate is settled (false when there are none: nothing to decide early, the whole sample runs).</summary>
    internal bool AllSettled => gates.Count > 0 && gates.All(g => g.Sequence is { } s && Settled(g.Gate, s) is not null);

    private static bool? Settled(GateConfig gate, ConfidenceSequence sequence)
    {
        if (sequence.Count == 0) return null;
        double lower = sequence.Lower, upper = sequence.Upper, threshold = gate.Threshold;
        if (gate.Min is not null) return lower >= threshold ? true : upper < threshold ? false : null;
        return upper <= threshold ? true : lower > threshold ? false : null;
    }

    /// <summary>The verdict of the gate at <paramref name="index"/> (config order) when the scan stopped, null for one that cannot be sequential.</summary>
    internal SequentialVerdict? VerdictOf(int index, int examplesUsed)
    {
        var (gate, sequence) = gates[index];
        if (sequence is null) return null;
        var stop = Settled(gate, sequence) switch { true => SequentialStop.SettledPass, false => SequentialStop.SettledFail, _ => SequentialStop.SampleExhausted };
        return new SequentialVerdict(examplesUsed, sequence.Count, sequence.Lower, sequence.Upper, Confidence, stop);
    }

    /// <summary>A seeded random order of the sample (Fisher-Yates on SplitMix64), the same for the same seed everywhere.</summary>
    public static List<int> Order(IReadOnlyList<int> sample, long seed)
    {
        var order = sample.ToList();
        ulong state = unchecked((ulong)seed) ^ 0x5E9E_A7A1_C0DE_0028UL;
        for (int i = order.Count - 1; i > 0; i--)
        {
            int j = (int)(SplitMix64.Next(ref state) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
