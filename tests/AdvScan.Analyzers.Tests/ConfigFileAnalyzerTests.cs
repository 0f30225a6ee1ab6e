using static AdvScan.Analyzers.Tests.AnalyzerHarness;

namespace AdvScan.Analyzers.Tests;

public class ConfigFileAnalyzerTests
{
    private const string NoCode = "public static class Empty { }";

    private static List<(int Line, int Column, string Message)> Problems(string json, string kind = "config")
    {
        var diagnostics = Run(NoCode, new AdditionalFile("/repo/model.advscan.json", json, kind));
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticIds.ConfigProblem, d.Id));
        Assert.All(diagnostics, d => Assert.Equal("/repo/model.advscan.json", d.Location.GetLineSpan().Path));
        return diagnostics.Select(d => (d.Location.GetLineSpan().StartLinePosition.Line + 1, d.Location.GetLineSpan().StartLinePosition.Character + 1, d.GetMessage())).ToList();
    }

    [Fact]
    public void The_repository_example_configs_have_no_problems()
    {
        var dir = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(RepoFixture("x"))!)!, "..", "examples", "mnist-gate");
        var configs = Directory.GetFiles(dir, "*.advscan.json");
        Assert.NotEmpty(configs);
        foreach (var config in configs) Assert.Empty(Problems(File.ReadAllText(config)));
    }

    [Fact]
    public void Unknown_keys_are_reported_on_their_own_line_and_column()
    {
        var problems = Problems("""
            {
              "model": "m.onnx",
              "gatse": [],
              "gates": [
                { "metric": "cleanAccuracy", "minimum": 0.9 }
              ]
            }
            """);

        Assert.Equal(2, problems.Count);
        Assert.Equal((3, 3), (problems[0].Line, problems[0].Column));
        Assert.StartsWith("unknown key 'gatse'", problems[0].Message);
        Assert.Equal((5, 34), (problems[1].Line, problems[1].Column));
        Assert.StartsWith("unknown gate key 'minimum'", problems[1].Message);
    }

    [Fact]
    public void Thresholds_of_shares_outside_zero_to_one_are_reported_on_the_number()
    {
        var problems = Problems("""
            {
              "nearThreshold": 2,
              "gates": [
                { "metric": "robustAccuracy", "attack": "pgd", "eps": 0.3, "min": 70 },
                { "metric": "attackSuccess", "attack": "pgd", "eps": 0.3, "max": -0.1 },
                { "metric": "cleanAccuracy", "min": 1 },
                { "metric": "backdoorAnomalyIndex", "check": "nc", "max": 2 }
              ]
            }
            """);

        Assert.Equal([(2, 20), (4, 71), (5, 70)], problems.Select(p => (p.Line, p.Column)));
        Assert.Equal("nearThreshold is 2; it is a share and must be within [0, 1]", problems[0].Message);
        Assert.Equal("robustAccuracy gate 'min' is 70; it is a share and must be within [0, 1]", problems[1].Message);
        Assert.Contains("'max' is -0.1", problems[2].Message);
    }

    [Fact]
    public void Malformed_json_is_located_where_it_breaks()
    {
        var problems = Problems("{\n  \"model\": \"m.onnx\"\n  \"gates\": []\n}");

        var problem = Assert.Single(problems);
        Assert.Equal((3, 3), (problem.Line, problem.Column));
        Assert.Equal("advscan.json is not valid JSON: expected '}'", problem.Message);
    }

    [Fact]
    public void A_limits_section_is_a_known_key()
    {
        Assert.Empty(Problems("""{ "model": "m.onnx", "limits": { "maxSteps": 200000 } }"""));
    }

    [Fact]
    public void A_check_gate_may_name_its_check_s_own_budget_key()
    {
        Assert.Empty(Problems("""{ "gates": [ { "metric": "patchSuccess", "check": "patch", "area": 0.1, "max": 0.2 } ] }"""));
    }

    private static string Repository => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(RepoFixture("x"))!, "..", ".."));

    [Fact]
    public void The_readme_s_patch_gate_with_its_area_has_no_problems()
    {
        // The README's own example: the analyzer once flagged its "area" as an unknown gate key (ADV3003).
        var readme = File.ReadAllLines(Path.Combine(Repository, "README.md"));
        var attacks = readme.Single(l => l.StartsWith("\"attacks\": [ { \"id\": \"sticker\"", StringComparison.Ordinal));
        var gates = readme.Single(l => l.StartsWith("\"gates\":", StringComparison.Ordinal) && l.Contains("patchSuccess", StringComparison.Ordinal));
        Assert.Contains("\"area\"", gates);
        Assert.Empty(Problems("{ \"model\": \"m.onnx\",\n" + attacks + "\n" + gates + "\n}"));
    }

    [Fact]
    public void Every_metric_and_gate_key_of_the_shipped_schema_is_known_and_its_share_metrics_are_checked()
    {
        using var schema = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository, "src", "AdvScan.Scanning", "advscan.schema.json")));
        var gate = schema.RootElement.GetProperty("definitions").GetProperty("gate");
        var keys = gate.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
        var metrics = gate.GetProperty("properties").GetProperty("metric").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains("area", keys);
        Assert.Contains("zeroGradientShare", metrics);
        Assert.Contains("patchControlSuccess", metrics);
        foreach (var key in keys.Where(k => k is not "min" and not "max"))
            Assert.Empty(Problems($$"""{ "gates": [ { "metric": "cleanAccuracy", "{{key}}": 0.5, "min": 0.5 } ] }""").Where(p => p.Message.StartsWith("unknown gate key", StringComparison.Ordinal)));
        foreach (var key in schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name))
            Assert.Empty(Problems($$"""{ "{{key}}": 1 }""").Where(p => p.Message.StartsWith("unknown key", StringComparison.Ordinal)));
        // A share's threshold outside [0, 1] is flagged for the metrics the schema calls shares, and only for them.
        Assert.Single(Problems("""{ "gates": [ { "metric": "zeroGradientShare", "check": "masking", "max": 5 } ] }"""));
        Assert.Single(Problems("""{ "gates": [ { "metric": "patchControlSuccess", "attack": "sticker", "max": 5 } ] }"""));
        Assert.Empty(Problems("""{ "gates": [ { "metric": "backdoorAnomalyIndex", "check": "nc", "max": 5 } ] }"""));
    }

    [Fact]
    public void A_config_nested_without_end_is_one_problem_not_a_crashed_compiler()
    {
        var problem = Assert.Single(Problems(new string('[', 100_000)));
        Assert.Contains("nested deeper than 256 levels", problem.Message);
    }

    [Fact]
    public void Json_files_that_are_not_advscan_configs_are_left_alone()
    {
        Assert.Empty(Run(NoCode, new AdditionalFile("/repo/appsettings.json", "{ \"gatse\": 1 }", null)));
    }
}
