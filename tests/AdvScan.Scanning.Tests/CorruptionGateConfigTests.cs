using AdvScan.Checks;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NJsonSchema;

namespace AdvScan.Scanning.Tests;

/// <summary>
/// How gates name one of the corruptions check's figures, the way they name an attack's eps or a patch's area: a
/// "severity" key picks one severity (omitted: the mean over them), a "corruption" key one corruption or family
/// (omitted: the mean over all). The shipped schema accepts every key of the check, the spatial attack and these gates;
/// the reader locates every wrong one on its line.
/// </summary>
public sealed class CorruptionGateConfigTests : IDisposable
{
    private readonly ConfigFiles files = new();
    private static readonly ScanRegistry Registry = new ServiceCollection().AddAdvScanScanner().AddAdvScanChecks().BuildServiceProvider().GetRequiredService<ScanRegistry>();

    private string Config(string gates) => files.Write("corruptions.json", $$"""
          "attacks": [ { "id": "turn", "attack": "spatial", "eps": [0.5, 1], "queries": 5, "rotation": 20, "translation": 2, "grid": [3, 3], "targetClass": 1 } ],
          "checks": [ { "id": "shift", "check": "corruptions", "only": "noise,fog", "severity": [1, 3, 5], "table": "cifar", "baseline": {{System.Text.Json.JsonSerializer.Serialize(Path.Combine(ConfigFiles.Fixtures, "mnist-robust.onnx"))}} } ],
          "gates": [
        {{gates}}
          ]
        """);

    [Fact]
    public void Gates_pick_the_overall_figure_a_severity_a_corruption_a_family_or_one_cell_and_the_schema_accepts_them()
    {
        var path = Config("""
                { "metric": "corruptionAccuracy", "check": "shift", "min": 0.5 },
                { "metric": "corruptionAccuracy", "check": "shift", "severity": 3, "min": 0.5, "bound": "confidence" },
                { "metric": "corruptionAccuracy", "check": "shift", "corruption": "fog", "min": 0.5 },
                { "metric": "corruptionError", "check": "shift", "corruption": "noise", "severity": 5, "max": 0.2 },
                { "metric": "mCE", "check": "shift", "max": 1.5 },
                { "metric": "robustAccuracy", "attack": "turn", "eps": 0.5, "min": 0.1 }
            """);
        var schema = JsonSchema.FromFileAsync(Path.Combine(AppContext.BaseDirectory, "advscan.schema.json")).GetAwaiter().GetResult();
        Assert.Empty(schema.Validate(File.ReadAllText(path)).Select(e => e.ToString()));
        var gates = ScanConfigReader.Load(path, Registry).Gates;
        Assert.Equal([(null, null), (null, 3.0), ("fog", null), ("noise", 5.0), (null, null), (null, 0.5)], gates.Select(g => (g.Label, g.Budget)));
        Assert.Equal("corruptionAccuracy-shift:fog#2", gates[2].Id);
        Assert.Equal("corruption error added to clean error of shift for corruption noise at severity 5", Registry.Metric("corruptionError")!.Describe(gates[3].Source, gates[3].Budget, gates[3].Label));
    }

    [Theory]
    [InlineData("""{ "metric": "corruptionAccuracy", "check": "shift", "corruption": "frost", "min": 0.5 }""", "\"corruption\": \"frost\"", "does not report corruption 'frost'")]
    [InlineData("""{ "metric": "corruptionAccuracy", "check": "shift", "severity": 2, "min": 0.5 }""", "\"severity\": 2", "does not run at severity 2")]
    [InlineData("""{ "metric": "robustAccuracy", "attack": "turn", "corruption": "fog", "min": 0.5 }""", "\"corruption\": \"fog\"", "a robustAccuracy gate takes no \"corruption\"")]
    public void A_gate_naming_what_the_check_does_not_measure_is_an_error_on_its_line(string gate, string keyOnLine, string problem)
    {
        var path = Config(gate);
        var e = Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(path, Registry));
        Assert.Contains(problem, e.Message);
        Assert.Equal(ConfigFiles.LineOf(path, keyOnLine), e.Line);
    }

    [Theory]
    [InlineData("\"only\": \"noise,hail\"", "unknown corruption or group 'hail'")]
    [InlineData("\"severity\": [0, 2]", "severity 0 is outside [1,5]")]
    [InlineData("\"severity\": 2.5", "severities are whole numbers")]
    [InlineData("\"table\": \"tiny\"", "table must be one of auto, imagenet, cifar")]
    [InlineData("\"baseline\": \"missing.onnx\"", "baseline file 'missing.onnx' does not exist")]
    public void A_bad_corruptions_key_is_an_error_on_its_line(string entry, string problem)
    {
        var path = files.Write("bad.json", $$"""
              "checks": [
                { "check": "corruptions",
                  {{entry}} }
              ]
            """);
        var e = Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(path, Registry));
        Assert.Contains(problem, e.Message);
        Assert.Equal(ConfigFiles.LineOf(path, entry), e.Line);
    }

    public void Dispose() => files.Dispose();
}
