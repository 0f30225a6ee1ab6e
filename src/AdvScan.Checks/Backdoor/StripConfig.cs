using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Backdoor;

/// <summary>The STRIP check's config keys: its own, plus Neural Cleanse's for when it recovers its trigger itself.</summary>
internal static class StripConfig
{
    private static readonly StripOptions D = new();

    private static readonly string[] Own = ["truth", "overlays", "falseRejection", "calibration", "seed"];

    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        new("truth", "string", "A *.backdoor.json whose trigger the tested inputs carry; without it Neural Cleanse recovers one first."),
        new("overlays", "integer", "Clean images superimposed on every input.", D.Overlays.ToString()),
        new("falseRejection", "number", "False-rejection rate on clean inputs the threshold is calibrated for.", "0.05"),
        new("calibration", "integer", "Clean images of the sample to calibrate on; the rest are stamped and scored.", StripSettings.Default.Calibration.ToString()),
        new("seed", "integer", "Seed of the split and the overlay draw (default: the scan's seed)."),
        .. NeuralCleanseConfig.Keys.Where(k => !Own.Contains(k.Name)),
    ];

    public static StripSettings Read(ConfigSection s)
    {
        var options = new StripOptions(Overlays: s.Int("overlays", 1, nameof(ResourceLimits.MaxQueries)) ?? D.Overlays, FalseRejectionRate: s.Number("falseRejection", 0, 1, exclusiveMax: true) ?? D.FalseRejectionRate);
        return new StripSettings(options, s.ExistingFile("truth"), s.Int("calibration", 2, nameof(ResourceLimits.MaxExamples)) ?? StripSettings.Default.Calibration,
            NeuralCleanseConfig.Read(s), s.Int("seed"));
    }
}
