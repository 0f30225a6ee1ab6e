using System.Globalization;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Corruptions;

/// <summary>What the corruptions check runs: which corruptions, at which severities, with which table, against which baseline.</summary>
public sealed record CorruptionsSettings : CheckSettings
{
    /// <summary>The corruptions run, in the suite's order (<see cref="CorruptionSuite.All"/>); all nineteen by default.</summary>
    public IReadOnlyList<Corruption> Corruptions { get; init; } = CorruptionSuite.All;

    /// <summary>Severities run, each in 1-5, ascending.</summary>
    public IReadOnlyList<int> Severities { get; init; } = [1, 2, 3, 4, 5];

    /// <summary>The parameter table; null picks it from the image size (<see cref="CorruptionSuite.TableFor"/>).</summary>
    public ParameterTable? Table { get; init; }

    /// <summary>A second ONNX model with the same input, measured on the same corrupted images, for Hendrycks and Dietterich's mCE.</summary>
    public string? Baseline { get; init; }

    public override IReadOnlyList<double> Budgets => Severities.Select(s => (double)s).ToList();

    /// <summary>Corruption names and the families that have one of them, which a gate's "corruption" key may name.</summary>
    public override IReadOnlyList<string> GateLabels =>
        Corruptions.Select(c => CorruptionSuite.FamilyName(c.Family)).Distinct().Concat(Corruptions.Select(c => c.Name)).ToList();

    public override string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        var which = Corruptions.Count == CorruptionSuite.All.Count ? "all 19 corruptions" : string.Create(c, $"{Corruptions.Count} corruption(s) ({string.Join(", ", Corruptions.Select(x => x.Name))})");
        var table = Table switch
        {
            ParameterTable.ImageNet => "ImageNet-C tables",
            ParameterTable.Cifar => "CIFAR-10-C tables",
            _ => string.Create(c, $"CIFAR-10-C tables up to {CorruptionSuite.SmallImageLimit} px, ImageNet-C above"),
        };
        return $"{which} of Hendrycks & Dietterich (2019) at severities {string.Join(", ", Severities)}, {table}, seeded per example" +
            (Baseline is null ? "" : $", baseline {Path.GetFileName(Baseline)}");
    }
}
