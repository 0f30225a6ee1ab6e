using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Corruptions;

/// <summary>The corruptions check's config keys (with their defaults, for validation, the schema and --help) and their reader.</summary>
internal static class CorruptionsConfig
{
    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        new("only", "string", "Comma-separated corruptions or groups to run: names (gaussian-noise, fog, ...), noise, blur, weather, digital, benchmark (the 15), extra (the 4 held-out) or all.", "all"),
        new("severity", "number|array", "Severities to run, each 1-5.", "[1, 2, 3, 4, 5]"),
        new("table", "string", "Parameter table: ImageNet-C's, CIFAR-10-C's small-image one, or auto (CIFAR-10-C when the smaller side is at most 84 px).", "auto", ["auto", "imagenet", "cifar"]),
        new("baseline", "string", "A second ONNX model with the same input, judged on the same corrupted images: the reference for mCE (Hendrycks & Dietterich's corruption error relative to a baseline)."),
    ];

    public static CorruptionsSettings Read(ConfigSection section)
    {
        var defaults = new CorruptionsSettings();
        var corruptions = defaults.Corruptions;
        if (section.String("only") is { } only)
        {
            corruptions = CorruptionSuite.Select(only, out var unknown) ?? throw section.Fail("only",
                $"unknown corruption or group '{UntrustedText.Escape(unknown ?? "")}'; expected {string.Join(", ", CorruptionSuite.Groups)} or one of {string.Join(", ", CorruptionSuite.All.Select(c => c.Name))}");
            if (corruptions.Count == 0) throw section.Fail("only", "only must name at least one corruption");
        }
        var severities = defaults.Severities;
        if (section.Numbers("severity", 1, Corruption.MaxSeverity) is { } numbers)
        {
            if (numbers.Any(v => v != Math.Floor(v))) throw section.Fail("severity", "severities are whole numbers from 1 to 5");
            severities = numbers.Select(v => (int)v).Distinct().Order().ToList();
        }
        ParameterTable? table = section.Choice("table", ["auto", "imagenet", "cifar"]) switch
        {
            "imagenet" => ParameterTable.ImageNet,
            "cifar" => ParameterTable.Cifar,
            _ => null,
        };
        var baseline = section.ExistingFile("baseline");
        if (baseline is not null) baseline = TrustBoundary.RequireRegularFile(baseline, "baseline", section.File, section.LineOf("baseline"));
        return new CorruptionsSettings { Corruptions = corruptions, Severities = severities, Table = table, Baseline = baseline };
    }
}
