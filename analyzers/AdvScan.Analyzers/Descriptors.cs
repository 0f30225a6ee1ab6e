using Microsoft.CodeAnalysis;

namespace AdvScan.Analyzers;

/// <summary>The analyzers' diagnostics; ids come from <see cref="DiagnosticIds"/>, the project's single table.</summary>
internal static class Descriptors
{
    private const string Category = "AdvScan";

    public static readonly DiagnosticDescriptor UngatedModelLoad = new(
        DiagnosticIds.UngatedModelLoad,
        "ONNX model loaded without an AdvScan gate",
        "'{0}' is loaded here but no AdvScanModel item gates it; add <AdvScanModel Include=\"...{1}\" Config=\"advscan.json\" /> to the project",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true,
        description: "A model that code loads and that no robustness gate scans ships with unknown robustness. The check matches the file name, because builds usually copy the gated model into the output folder before the code loads it.");

    // Warning, not error: the MSBuild gate is what fails the build; this only shows the last verdict on the code.
    public static readonly DiagnosticDescriptor ScanGateAtLoad = new(
        DiagnosticIds.ScanGateAtLoad,
        "The last AdvScan scan of this model has a failed or near-threshold gate",
        "AdvScan {0} ({1}) for '{2}': {3}",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true,
        description: "Read from the SARIF the last AdvScan scan wrote under obj/; rebuild to rescan.");

    public static readonly DiagnosticDescriptor ConfigProblem = new(
        DiagnosticIds.ConfigProblem,
        "Problem in an AdvScan config",
        "{0}",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true,
        description: "advscan.json problems found while editing; the CLI rejects the same config with exit code 2.");
}
