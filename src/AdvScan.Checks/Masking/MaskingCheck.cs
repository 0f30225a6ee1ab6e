using System.Globalization;
using AdvScan.Attacks;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Masking;

/// <summary>
/// Flags evaluations that gradient masking makes look robust: zero input gradients, probability outputs, a randomised
/// model, a black-box attack beating the white-box ones, robust accuracy rising with eps (PGD run afresh per budget),
/// and eps 0 not giving clean accuracy. Each flag is a warning finding under its own rule. The probes use the first
/// <see cref="MaskingSettings.Examples"/> examples of the shard; the attack-based flags read the scan's attack results,
/// so the check belongs after the attacks it judges (the scanner runs checks after every attack).
/// </summary>
public sealed class MaskingCheck : IScanCheck
{
    public string Name => "masking";
    public string Summary => "Flags signs of gradient masking: zero gradients, probability outputs, randomness, black-box beating white-box, robust accuracy rising with eps or differing from clean accuracy at eps 0.";

    public IReadOnlyList<ConfigKey> Keys { get; } =
    [
        new("examples", "integer", "Examples of the sample the probes use.", "64"),
        new("zeroGradientShare", "number", "Share of probed examples with a zero input gradient from which the model is flagged.", "0.05"),
        new("blackBoxMargin", "number", "Share of the sample by which a black-box attack (or a larger budget) must beat the white-box attacks (the smaller budget) to be flagged.", "0.02"),
        new("probeSteps", "integer", "PGD steps of the per-budget probe for robust accuracy rising with eps (0: off).", "10"),
    ];

    public static MetricDefinition ZeroGradientShareMetric { get; } =
        new("zeroGradientShare", MetricDirection.LowerIsBetter, MetricUnit.Proportion, MaskingRules.ZeroGradients, "share of zero input gradients");

    public IReadOnlyList<MetricDefinition> Metrics { get; } = [ZeroGradientShareMetric];
    public IReadOnlyList<GateRule> FindingRules => MaskingRules.All;

    public CheckSettings Configure(ConfigSection section) => new MaskingSettings(
        section.Int("examples", 1, nameof(ResourceLimits.MaxExamples)) ?? 64,
        section.Number("zeroGradientShare", 0, 1) ?? 0.05,
        section.Number("blackBoxMargin", 0, 1) ?? 0.02,
        section.Int("probeSteps", 0, nameof(ResourceLimits.MaxSteps)) ?? 10);

    public CheckReport Run(CheckContext context, CheckSettings settings)
    {
        var s = (MaskingSettings)settings;
        var findings = new List<CheckFinding>();
        var rows = new List<IReadOnlyList<string>>();
        void Flag(GateRule rule, string message) => findings.Add(new CheckFinding(rule, FindingLevel.Warning, message));

        var probe = context.Read(context.Indices.Take(s.Examples).ToList()).ToList();
        var batch = new LabeledBatch(probe.SelectMany(b => b.Pixels).ToArray(), [probe.Sum(b => b.Labels.Length), .. probe[0].Shape[1..]], probe.SelectMany(b => b.Labels).ToArray());
        int n = batch.Labels.Length;

        var first = MaskingProbes.Scores(context.Runtime, context.Dataset.Mapping, batch);
        var second = MaskingProbes.Scores(context.Runtime, context.Dataset.Mapping, batch);
        int differing = Enumerable.Range(0, n).Count(i => !first.AsSpan(i * first.Length / n, first.Length / n).SequenceEqual(second.AsSpan(i * first.Length / n, first.Length / n)));
        rows.Add(["randomness", Invariant($"{differing} of {n} examples scored differently on a second ONNX Runtime pass"), differing > 0 ? "flagged" : "ok"]);
        if (differing > 0) Flag(MaskingRules.RandomisedModel, Invariant($"{differing} of {n} probed examples got different outputs from two identical ONNX Runtime passes: the model is randomised; attacks need EOT"));

        bool probabilities = ProbabilityOutputs.Detect(first, n);
        rows.Add(["output kind", probabilities ? "probabilities (rows non-negative, summing to 1): attacked as log-probabilities" : "logits", probabilities ? "flagged" : "ok"]);
        if (probabilities) Flag(MaskingRules.ProbabilityOutputs, "the model outputs probabilities rather than logits; white-box attacks attack their logarithm");

        var metrics = new List<MetricValue>();
        GraphClassifier? classifier = null;
        try { classifier = new GraphClassifier(context.Graph, context.Dataset.Mapping.ToModelInput, probabilities); }
        catch (InvalidInputException e) { rows.Add(["gradients", "not probed: the model has no differentiable import (" + e.Problem + ")", "skipped"]); }
        if (classifier is not null)
        {
            int zero = MaskingProbes.ZeroGradients(classifier, batch);
            var share = Proportion.Of(zero, n);
            metrics.Add(MetricValue.Of(ZeroGradientShareMetric.Name, share));
            bool flagged = n > 0 && share.Value >= s.ZeroGradientShare && zero > 0;
            rows.Add(["zero gradients", Invariant($"{zero} of {n} examples ({share.Value:P1}) have an all-zero input gradient"), flagged ? "flagged" : "ok"]);
            if (flagged) Flag(MaskingRules.ZeroGradients, Invariant($"{zero} of {n} probed examples ({share.Value:P1}) have an all-zero input gradient; white-box attacks see no direction there"));
            if (s.ProbeSteps > 0) NonMonotone(context, s, classifier, batch, rows, Flag);
        }

        AttackFlags(context, s, rows, Flag);
        var table = new ReportTable("Gradient-masking probes", ["probe", "measured", "verdict"], rows);
        return CheckReport.Of("", Name, settings.Describe(), metrics) with { Findings = findings, Tables = [table] };
    }

    private static void NonMonotone(CheckContext context, MaskingSettings s, GraphClassifier classifier, LabeledBatch batch, List<IReadOnlyList<string>> rows, Action<GateRule, string> flag)
    {
        foreach (var group in context.Attacks.Where(a => a.Result.GradientEvaluations > 0).GroupBy(a => a.Result.Norm))
        {
            var budgets = group.SelectMany(a => a.Result.Curve.Select(p => p.Epsilon)).Where(e => e > 0).Distinct().Order().ToList();
            if (budgets.Count < 2) continue;
            var counts = MaskingProbes.IndependentRobustCounts(classifier, context.Runtime, context.Dataset.Mapping, batch, group.Key, budgets, s.ProbeSteps, context.Seed);
            int margin = Math.Max(1, (int)Math.Ceiling(s.BlackBoxMargin * batch.Labels.Length));
            string norm = NormName(group.Key);
            string curve = string.Join(", ", budgets.Select((e, b) => Invariant($"eps {e}: {counts[b]}")));
            var rise = Enumerable.Range(1, budgets.Count - 1).FirstOrDefault(b => counts[b] - counts[b - 1] >= margin, -1);
            rows.Add([$"{norm} PGD per budget", curve, rise > 0 ? "flagged" : "ok"]);
            if (rise > 0)
                flag(MaskingRules.NonMonotone, Invariant($"{norm} PGD run afresh leaves {counts[rise]} examples robust at eps {budgets[rise]} but {counts[rise - 1]} at eps {budgets[rise - 1]}: robust accuracy rises with the budget"));
        }
    }

    private static void AttackFlags(CheckContext context, MaskingSettings s, List<IReadOnlyList<string>> rows, Action<GateRule, string> flag)
    {
        // The worst case over attacks is made of the others' verdicts: judging it again would only repeat them.
        foreach (var attack in context.Attacks.Where(a => !WorstCase.IsWorstCaseId(a.Config.Id)))
            foreach (var point in attack.Result.Curve.Where(p => p.Epsilon == 0))
            {
                bool differs = point.RobustAccuracy.Successes != context.CleanAccuracy.Successes || point.RobustAccuracy.Trials != context.CleanAccuracy.Trials;
                rows.Add([$"{attack.Config.Id} at eps 0", Invariant($"robust {point.RobustAccuracy.Successes}/{point.RobustAccuracy.Trials}, clean {context.CleanAccuracy.Successes}/{context.CleanAccuracy.Trials}"), differs ? "flagged" : "ok"]);
                if (differs)
                    flag(MaskingRules.ZeroBudget, Invariant($"{attack.Config.Id}: robust accuracy at eps 0 is {point.RobustAccuracy.Successes}/{point.RobustAccuracy.Trials}, clean accuracy {context.CleanAccuracy.Successes}/{context.CleanAccuracy.Trials}"));
            }

        // Black-box: crafted from scores or labels alone (queries, no gradients); white-box: any gradient taken.
        var whiteBox = context.Attacks.Where(a => a.Result.GradientEvaluations > 0).ToList();
        foreach (var blackBox in context.Attacks.Where(a => a.Result.GradientEvaluations == 0 && a.Result.Queries > 0))
            foreach (var point in blackBox.Result.Curve.Where(p => p.Epsilon > 0))
            {
                var rivals = whiteBox.Where(w => w.Result.Norm == blackBox.Result.Norm)
                    .SelectMany(w => w.Result.Curve.Where(p => p.Epsilon == point.Epsilon).Select(p => (w.Config.Id, p.RobustAccuracy.Successes))).ToList();
                if (rivals.Count == 0) continue;
                var best = rivals.MinBy(r => r.Successes);
                int margin = Math.Max(1, (int)Math.Ceiling(s.BlackBoxMargin * point.RobustAccuracy.Trials));
                bool stronger = point.RobustAccuracy.Successes <= best.Successes - margin;
                rows.Add([Invariant($"{blackBox.Config.Id} vs {best.Id} at eps {point.Epsilon}"), Invariant($"robust {point.RobustAccuracy.Successes} vs {best.Successes} of {point.RobustAccuracy.Trials}"), stronger ? "flagged" : "ok"]);
                if (stronger)
                    flag(MaskingRules.BlackBoxStronger, Invariant($"black-box {blackBox.Config.Id} leaves {point.RobustAccuracy.Successes} of {point.RobustAccuracy.Trials} robust at {NormName(point.Epsilon, blackBox.Result.Norm)}, the best white-box attack ({best.Id}) {best.Successes}"));
            }
    }

    private static string NormName(Norm norm) => norm == Norm.L2 ? "L2" : "L-inf";
    private static string NormName(double eps, Norm norm) => Invariant($"{NormName(norm)} eps {eps}");
    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
