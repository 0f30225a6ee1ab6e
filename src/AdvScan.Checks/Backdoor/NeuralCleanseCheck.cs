using System.Globalization;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Backdoor;

/// <summary>
/// The <c>neural-cleanse</c> check: reverse-engineers a trigger per class (all classes in one batched optimisation),
/// flags classes reachable with an anomalously small one, and reports every class's mask norm and anomaly index, each
/// flagged class's trigger as images, and its success on held-out images as ONNX Runtime judges it.
/// </summary>
public sealed class NeuralCleanseCheck : IScanCheck
{
    public string Name => "neural-cleanse";

    public string Summary => "Neural Cleanse: reverse-engineers the smallest trigger for every class and flags classes reachable with an anomalously small one (likely backdoor targets).";

    public IReadOnlyList<ConfigKey> Keys { get; } = NeuralCleanseConfig.Keys;

    public IReadOnlyList<MetricDefinition> Metrics { get; } = [BackdoorRules.AnomalyIndexMetric, BackdoorRules.FlaggedClassesMetric];

    public CheckSettings Configure(ConfigSection section) => NeuralCleanseConfig.Read(section);

    public CheckReport Run(CheckContext context, CheckSettings settings)
    {
        var s = (NeuralCleanseSettings)settings;
        var analysis = NeuralCleanseAnalysis.Run(context, s);
        return Report(context, s, analysis);
    }

    public static CheckReport Report(CheckContext context, NeuralCleanseSettings settings, NeuralCleanseAnalysis analysis)
    {
        var names = context.ClassNames;
        var classes = analysis.Reversal.Classes;
        var metrics = new List<MetricValue>
        {
            MetricValue.Scalar(BackdoorRules.AnomalyIndexMetric.Name, Math.Round(analysis.MaxAnomalyIndex, 6)),
            MetricValue.Scalar(BackdoorRules.FlaggedClassesMetric.Name, analysis.Flagged.Count),
        };
        double median = AnomalyIndex.Median(analysis.Reversal.MaskNorms);
        string Evidence(int k) =>
            Invariant($"its recovered trigger has mask norm {classes[k].MaskNorm:0.##} against a median of {median:0.##} (anomaly index {analysis.LogAnomalyIndices[k]:0.##} ") +
            Invariant($"on the log norms, {analysis.AnomalyIndices[k]:0.##} on the norms; compactness {analysis.Compactness[k]:0.##}) and sends ") +
            Invariant($"{analysis.HeldOutSuccess[k].Value:P1} of {analysis.HeldOutSuccess[k].Trials} held-out images of other classes to it (ONNX Runtime)");
        var findings = analysis.Flagged.Select(k => new CheckFinding(BackdoorRules.FlaggedClasses, FindingLevel.Error,
            Invariant($"class {k} ({names[k]}) is a likely backdoor target: ") + Evidence(k), Classes: [k])).ToList();
        // Small but diffuse masks: not a patch trigger, yet a small perturbation reaches the class; a person should look.
        findings.AddRange(analysis.Diffuse.Select(k => new CheckFinding(BackdoorRules.AnomalyIndex, FindingLevel.Warning,
            Invariant($"class {k} ({names[k]}) is reachable with an anomalously small but diffuse mask (not patch-like, so not flagged; a natural shortcut of the model or a trigger spread over the image): ") +
            Evidence(k), Classes: [k])));

        var rows = classes.Select(c => (IReadOnlyList<string>)
        [
            c.Class.ToString(CultureInfo.InvariantCulture), names[c.Class], Invariant($"{c.MaskNorm:0.##}"), Invariant($"{analysis.AnomalyIndices[c.Class]:0.##}"),
            Invariant($"{analysis.LogAnomalyIndices[c.Class]:0.##}"), Invariant($"{analysis.Compactness[c.Class]:0.##}"),
            analysis.Flagged.Contains(c.Class) ? "yes" : analysis.Diffuse.Contains(c.Class) ? "no (diffuse)" : "no", c.Reached ? Invariant($"{c.Success:P0}") : Invariant($"{c.Success:P0} (threshold not reached)"),
            Invariant($"{analysis.HeldOutSuccess[c.Class].Value:P1} ({analysis.HeldOutSuccess[c.Class].Successes}/{analysis.HeldOutSuccess[c.Class].Trials})"),
        ]).ToList();
        var table = new ReportTable("Neural Cleanse: recovered trigger per class",
            ["class", "name", "mask L1 norm", "anomaly index", "anomaly index (log norms)", "compactness", "flagged", "success (optimisation images)", "success on held-out images (ONNX Runtime)"], rows);

        var shown = analysis.Flagged.Count > 0 ? analysis.Flagged : [analysis.MostSuspicious.Class];
        var images = shown.SelectMany(k => TriggerImages(classes[k], names[k], analysis.Evaluation, settings.Examples, analysis.Flagged.Contains(k))).ToList();
        // The scanner puts the config entry's id on the report; code-first callers get the check's name.
        return new CheckReport("neural-cleanse", "neural-cleanse", settings.Describe(), metrics, findings, [table], images, context.Line);
    }

    /// <summary>Mask, pattern, what the trigger paints, and held-out images of other classes stamped with it.</summary>
    internal static IEnumerable<ReportImage> TriggerImages(ReversedTrigger reversed, string name, HostImages held, int examples, bool flagged)
    {
        var t = reversed.Trigger;
        string group = Invariant($"recovered trigger, class {reversed.Class} ({name}){(flagged ? ", flagged" : ", smallest mask, not flagged")}");
        yield return new ReportImage(group, Invariant($"mask (L1 {reversed.MaskNorm:0.#})"), t.Mask, [1, t.Height, t.Width]);
        yield return new ReportImage(group, "pattern", t.Pattern, [t.Channels, t.Height, t.Width]);
        yield return new ReportImage(group, "mask x pattern", t.Painted(), [t.Channels, t.Height, t.Width]);
        int shown = 0;
        for (int i = 0; i < held.Count && shown < examples; i++)
        {
            if (held.Labels[i] == reversed.Class) continue;
            var image = held.Image(i).ToArray();
            t.Stamp(image);
            yield return new ReportImage(group, Invariant($"stamped held-out image (label {held.Labels[i]})"), image, [t.Channels, t.Height, t.Width]);
            shown++;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
