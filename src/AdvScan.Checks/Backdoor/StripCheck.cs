using System.Globalization;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using AdvScan.Data;

namespace AdvScan.Checks.Backdoor;

/// <summary>
/// The <c>strip</c> check: calibrates a STRIP filter on clean images of the sample for the chosen false-rejection
/// rate and reports the share of held-out images carrying a trigger that it catches (ONNX Runtime scores every blend).
/// The trigger is a known one (a *.backdoor.json) or the one Neural Cleanse recovers for its most suspicious class.
/// </summary>
public sealed class StripCheck : IScanCheck
{
    public string Name => "strip";

    public string Summary => "STRIP: calibrates an entropy filter on clean inputs and reports the share of inputs carrying a trigger it detects.";

    public IReadOnlyList<ConfigKey> Keys { get; } = StripConfig.Keys;

    public IReadOnlyList<MetricDefinition> Metrics { get; } = [BackdoorRules.StripDetectionMetric];

    public CheckSettings Configure(ConfigSection section) => StripConfig.Read(section);

    public CheckReport Run(CheckContext context, CheckSettings settings)
    {
        var s = (StripSettings)settings;
        s.Validate(context);
        int seed = s.SeedFor(context);
        var (trigger, target, source) = Trigger(context, s);

        var order = context.Sample.ToArray();
        new Random(seed).Shuffle(order);
        int calibrate = order.Length >= 2 * s.Calibration ? s.Calibration : order.Length / 2;
        if (calibrate < 2 || order.Length - calibrate < 1)
            throw new InvalidInputException(context.ConfigFile, $"STRIP needs at least 4 images in the sample to calibrate and test, got {order.Length}", context.Line > 0 ? context.Line : null);
        var clean = HostImages.Read(context, order[..calibrate]);
        var held = HostImages.Read(context, order[calibrate..]);
        var oracle = new RuntimeOracle(context.Runtime, context.Dataset.Mapping.ToModelInputHost);
        var detector = StripDetector.Calibrate(oracle, clean.Pixels, clean.Shape, s.Options with { Seed = seed }, context.CancellationToken);

        var victims = held.Rows(Enumerable.Range(0, held.Count).Where(i => held.Labels[i] != target).ToList());
        var triggeredFlags = detector.Flags(trigger.StampAll(victims.Pixels), victims.Shape, context.CancellationToken);
        var cleanFlags = detector.Flags(held.Pixels, held.Shape, context.CancellationToken);
        var detection = Proportion.Of(triggeredFlags.Count(f => f), triggeredFlags.Length);
        var falseRejection = Proportion.Of(cleanFlags.Count(f => f), cleanFlags.Length);

        var table = new ReportTable("STRIP", ["figure", "value"],
        [
            ["trigger", source],
            ["entropy threshold (bits)", Invariant($"{detector.Threshold:0.####}")],
            ["false rejection on the calibration images", Invariant($"{detector.CalibrationFalseRejection:P1} of {clean.Count}")],
            ["false rejection on held-out clean images", Invariant($"{falseRejection.Value:P1} ({falseRejection.Successes}/{falseRejection.Trials})")],
            ["detection of held-out images carrying the trigger", Invariant($"{detection.Value:P1} ({detection.Successes}/{detection.Trials})")],
        ]);
        var images = new List<ReportImage> { new("STRIP trigger", source, trigger.Painted(), [trigger.Channels, trigger.Height, trigger.Width]) };
        var metric = MetricValue.Of(BackdoorRules.StripDetectionMetric.Name, detection, label: source);
        return new CheckReport("strip", "strip", s.Describe(), [metric], [], [table], images, context.Line);
    }

    /// <summary>The trigger to test: the ground truth's, else Neural Cleanse's for its most suspicious class.</summary>
    public static (MaskedTrigger Trigger, int Target, string Source) Trigger(CheckContext context, StripSettings settings)
    {
        var names = context.ClassNames;
        long[] image = [.. HostImages.Read(context, context.Sample.Take(1).ToList()).Shape[1..]];
        if (settings.Truth is { } path)
        {
            var truth = BackdoorGroundTruth.Load(path);
            if (truth.TargetClass < 0 || truth.TargetClass >= names.Count)
                throw new InvalidInputException(path, $"target class {truth.TargetClass} is outside the model's {names.Count} classes");
            try
            {
                var known = MaskedTrigger.FromSpec(truth.Trigger, (int)image[0], (int)image[1], (int)image[2]);
                return (known, truth.TargetClass, Invariant($"known trigger from {Path.GetFileName(path)}, target {truth.TargetClass} ({names[truth.TargetClass]})"));
            }
            catch (InvalidInputException e) when (e.File is null)
            {
                throw new InvalidInputException(path, e.Problem);
            }
        }
        var analysis = NeuralCleanseAnalysis.Run(context, settings.NeuralCleanse ?? NeuralCleanseSettings.Default);
        var suspect = analysis.MostSuspicious;
        string why = analysis.Flagged.Count > 0 ? "flagged" : "not flagged: the smallest mask";
        return (suspect.Trigger, suspect.Class, Invariant($"Neural Cleanse's recovered trigger for class {suspect.Class} ({names[suspect.Class]}, {why})"));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
