using static AdvScan.Analyzers.Tests.AnalyzerHarness;

namespace AdvScan.Analyzers.Tests;

public class ModelLoadAnalyzerTests
{
    private const string Loads = """
        using System.IO;
        using Microsoft.ML.OnnxRuntime;

        public static class Models
        {
            private const string Dir = "models";

            public static InferenceSession Digits() =>
                new InferenceSession("models/mnist-cnn.onnx");

            public static InferenceSession Fraud() => new InferenceSession(Path.Combine(System.AppContext.BaseDirectory, Dir, "fraud.onnx"));

            public static InferenceSession FromUser(string path) => new InferenceSession(path);
        }
        """;

    private static AdditionalFile GatedModel(string name) => new(RepoFixture(name), "", "model");

    [Fact]
    public void Ungated_load_warns_with_the_path_on_the_line_that_loads_it()
    {
        var diagnostics = Run(Loads);

        Assert.Equal(2, diagnostics.Length);
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticIds.UngatedModelLoad, d.Id));
        Assert.Equal(9, diagnostics[0].Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.Contains("'models/mnist-cnn.onnx' is loaded here but no AdvScanModel item gates it", diagnostics[0].GetMessage());
        // Path.Combine with a constant file name counts as a constant path; the non-constant segment is shown as '*'.
        Assert.Equal(11, diagnostics[1].Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.Contains("'*/models/fraud.onnx'", diagnostics[1].GetMessage());
    }

    [Fact]
    public void Gated_load_is_silent_and_a_load_of_a_path_only_known_at_run_time_is_not_guessed_at()
    {
        var diagnostics = Run(Loads, GatedModel("mnist-cnn.onnx"), new AdditionalFile("/elsewhere/fraud.onnx", "", "model"));

        Assert.Empty(diagnostics);
    }

    [Fact]
    public void A_gate_on_a_different_model_does_not_gate_this_one()
    {
        var diagnostics = Run(Loads, GatedModel("mnist-robust.onnx"));

        Assert.Equal(2, diagnostics.Count(d => d.Id == DiagnosticIds.UngatedModelLoad));
    }

    [Fact]
    public void Failed_gate_of_the_last_scan_appears_on_the_line_that_loads_the_model()
    {
        var sarif = Path.Combine(FixturesDir, "mnist-cnn.strict.sarif");
        var diagnostics = Run(Loads, GatedModel("mnist-cnn.onnx"), new AdditionalFile("/fraud.onnx", "", "model"),
            new AdditionalFile(sarif, File.ReadAllText(sarif), "sarif"));

        var gate = Assert.Single(diagnostics);
        Assert.Equal(DiagnosticIds.ScanGateAtLoad, gate.Id);
        Assert.Equal(9, gate.Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.StartsWith("AdvScan failed gate (ADV1002) for 'mnist-cnn.onnx': Gate 'robustAccuracy-pgd@0.3#0': robust accuracy under pgd at eps 0.3 0.0000", gate.GetMessage());
        Assert.Contains("is below the minimum 0.7000", gate.GetMessage());
    }

    [Fact]
    public void A_near_threshold_gate_is_shown_as_such_and_a_passing_scan_shows_nothing()
    {
        var sarif = File.ReadAllText(Path.Combine(FixturesDir, "mnist-cnn.strict.sarif"));
        // The SARIF writer marks near-threshold gates with level "warning" and leaves passing gates out entirely.
        var near = sarif.Replace("\"level\": \"error\"", "\"level\": \"warning\"", StringComparison.Ordinal);
        var passing = sarif.Replace("\"ruleId\": \"ADV1002\"", "\"ruleId\": \"ADV1002\", \"kind\": \"pass\"", StringComparison.Ordinal)
            .Replace("\"level\": \"error\"", "\"level\": \"note\"", StringComparison.Ordinal);
        AdditionalFile[] gated = [GatedModel("mnist-cnn.onnx"), new("/fraud.onnx", "", "model")];

        var nearDiagnostics = Run(Loads, [.. gated, new AdditionalFile("/obj/near.sarif", near, "sarif")]);
        var passingDiagnostics = Run(Loads, [.. gated, new AdditionalFile("/obj/pass.sarif", passing, "sarif")]);

        Assert.StartsWith("AdvScan near-threshold gate (ADV1002) for 'mnist-cnn.onnx'", Assert.Single(nearDiagnostics).GetMessage());
        Assert.Empty(passingDiagnostics);
    }

    [Fact]
    public void The_last_scan_of_another_model_is_not_shown_at_this_load()
    {
        var sarif = Path.Combine(FixturesDir, "mnist-cnn.strict.sarif");
        const string source = """
            using Microsoft.ML.OnnxRuntime;
            public static class Robust { public static InferenceSession Load() => new InferenceSession("mnist-robust.onnx"); }
            """;

        var diagnostics = Run(source, GatedModel("mnist-robust.onnx"), new AdditionalFile(sarif, File.ReadAllText(sarif), "sarif"));

        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Files_without_build_metadata_are_sorted_by_name_so_hand_listed_additional_files_work()
    {
        var sarif = Path.Combine(FixturesDir, "mnist-cnn.strict.sarif");
        var diagnostics = Run(Loads, new AdditionalFile(RepoFixture("mnist-cnn.onnx"), "", null),
            new AdditionalFile("/models/fraud.onnx", "", null), new AdditionalFile(sarif, File.ReadAllText(sarif), null));

        Assert.Equal([DiagnosticIds.ScanGateAtLoad], diagnostics.Select(d => d.Id));
    }
}
