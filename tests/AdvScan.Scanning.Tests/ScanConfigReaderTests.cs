using AdvScan.Scanning.Configuration;

namespace AdvScan.Scanning.Tests;

/// <summary>advscan.json problems are reported with the config file and the line of the offending value.</summary>
public sealed class ScanConfigReaderTests : IDisposable
{
    private readonly ConfigFiles files = new();

    private InvalidInputException Rejects(string path)
    {
        var e = Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(path));
        Assert.Equal(path, e.File);
        return e;
    }

    [Fact]
    public void An_unknown_attack_is_reported_on_its_line_with_the_known_attacks()
    {
        var path = files.Write("unknown-attack.json", """
              "attacks": [
                { "attack": "deepfool", "eps": [0.1] }
              ]
            """);
        var e = Rejects(path);
        Assert.Equal(ConfigFiles.LineOf(path, "deepfool"), e.Line);
        Assert.Contains("unknown attack 'deepfool'", e.Problem);
        Assert.Contains("pgd", e.Problem);
    }

    [Theory]
    [InlineData("\"min\": 1.5")]
    [InlineData("\"min\": -0.1")]
    [InlineData("\"max\": 2")]
    public void A_threshold_outside_0_1_is_reported_on_its_line(string threshold)
    {
        var path = files.Write("threshold.json", $$"""
              "attacks": [ { "attack": "fgsm", "eps": [0.1] } ],
              "gates": [
                { "metric": "robustAccuracy", "attack": "fgsm",
                  {{threshold}} }
              ]
            """);
        var e = Rejects(path);
        Assert.Equal(ConfigFiles.LineOf(path, threshold), e.Line);
        Assert.Contains("outside [0,1]", e.Problem);
    }

    [Fact]
    public void A_missing_model_file_is_reported_on_the_model_line()
    {
        var path = files.Write("missing-model.json", """ "attacks": [] """, model: Path.Combine(files.Folder, "nowhere.onnx"));
        var e = Rejects(path);
        Assert.Equal(ConfigFiles.LineOf(path, "nowhere.onnx"), e.Line);
        Assert.Contains("does not exist", e.Problem);
    }

    [Fact]
    public void A_missing_data_file_is_reported_on_its_line()
    {
        var path = files.WriteRaw("missing-data.json", $$"""
            {
              "model": {{System.Text.Json.JsonSerializer.Serialize(Path.Combine(ConfigFiles.Fixtures, "mnist-cnn.onnx"))}},
              "data": "digits-that-are-not-there.npz"
            }
            """);
        var e = Rejects(path);
        Assert.Equal(3, e.Line);
        Assert.Contains("digits-that-are-not-there.npz", e.Problem);
    }

    [Fact]
    public void A_misspelled_property_is_rejected_rather_than_ignored()
    {
        var path = files.Write("typo.json", """
              "attacks": [ { "attack": "pgd", "eps": [0.1], "stepsize": 0.01 } ]
            """);
        var e = Rejects(path);
        Assert.Equal(ConfigFiles.LineOf(path, "stepsize"), e.Line);
        Assert.Contains("unknown property \"stepsize\"", e.Problem);
    }

    [Fact]
    public void Malformed_json_is_reported_on_the_line_where_parsing_stopped()
    {
        var path = files.WriteRaw("malformed.json", "{\n  \"model\": \"m.onnx\",\n  \"data\": [1, 2\n}\n");
        var e = Rejects(path);
        Assert.Contains("not valid JSON", e.Problem);
        Assert.NotNull(e.Line);
        Assert.InRange(e.Line!.Value, 3, 4);
    }

    [Fact]
    public void A_gate_on_an_attack_the_config_does_not_run_names_the_defined_ids()
    {
        var path = files.Write("dangling-gate.json", """
              "attacks": [ { "id": "weak", "attack": "fgsm", "eps": [0.1] } ],
              "gates": [ { "metric": "robustAccuracy", "attack": "strong", "min": 0.5 } ]
            """);
        var e = Rejects(path);
        Assert.Equal(ConfigFiles.LineOf(path, "\"strong\""), e.Line);
        Assert.Contains("weak", e.Problem);
    }

    [Fact]
    public void A_gate_budget_the_attack_does_not_run_is_rejected()
    {
        var path = files.Write("wrong-eps.json", """
              "attacks": [ { "attack": "fgsm", "eps": [0.1, 0.2] } ],
              "gates": [ { "metric": "robustAccuracy", "attack": "fgsm", "eps": 0.3, "min": 0.5 } ]
            """);
        Assert.Contains("does not run at eps 0.3", Rejects(path).Problem);
    }

    [Fact]
    public void A_transfer_attack_without_a_surrogate_is_rejected()
    {
        var path = files.Write("transfer.json", """
              "attacks": [ { "attack": "transfer", "eps": [0.1] } ]
            """);
        Assert.Contains("surrogate", Rejects(path).Problem);
    }

    [Fact]
    public void An_linf_budget_above_1_is_outside_pixel_space()
    {
        var path = files.Write("eps.json", """
              "attacks": [ { "attack": "pgd", "eps": [0.1, 8] } ]
            """);
        var e = Rejects(path);
        Assert.Contains("outside [0,1]", e.Problem);
        Assert.Equal(ConfigFiles.LineOf(path, "\"eps\""), e.Line);
    }

    [Fact]
    public void A_gate_needs_exactly_one_of_min_and_max()
    {
        var path = files.Write("both.json", """
              "gates": [ { "metric": "cleanAccuracy", "min": 0.5, "max": 0.9 } ]
            """);
        Assert.Contains("exactly one of", Rejects(path).Problem);
    }

    [Fact]
    public void Gate_lines_and_resolved_paths_are_kept_for_reporting()
    {
        var path = files.Write("good.json", """
              "attacks": [ { "attack": "fgsm", "eps": [0.05, 0.1] } ],
              "gates": [
                { "metric": "cleanAccuracy", "min": 0.9 },
                { "metric": "robustAccuracy", "attack": "fgsm", "min": 0.5, "bound": "confidence" }
              ]
            """);
        var config = ScanConfigReader.Load(path);
        Assert.Equal(Path.Combine(ConfigFiles.Fixtures, "mnist-cnn.onnx"), config.Model);
        Assert.Equal(ConfigFiles.LineOf(path, "cleanAccuracy"), config.Gates[0].Line);
        Assert.Equal(ConfigFiles.LineOf(path, "\"bound\""), config.Gates[1].Line);
        // A gate without eps judges the attack's largest budget.
        Assert.Equal(0.1, config.Gates[1].Budget);
        Assert.Equal(GateBound.Confidence, config.Gates[1].Bound);
    }

    public void Dispose() => files.Dispose();
}
