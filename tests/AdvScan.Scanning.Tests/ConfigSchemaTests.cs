using AdvScan.Scanning.Configuration;
using Newtonsoft.Json.Linq;
using NJsonSchema;

namespace AdvScan.Scanning.Tests;

/// <summary>
/// advscan.schema.json (shipped for editors) describes exactly what <see cref="ScanConfigReader"/> accepts: the
/// examples validate, the mistakes the reader rejects are schema errors too, and nothing the schema offers is refused.
/// </summary>
public sealed class ConfigSchemaTests : IDisposable
{
    private static readonly string SchemaPath = Path.Combine(AppContext.BaseDirectory, "advscan.schema.json");
    private readonly ConfigFiles files = new();

    private static JsonSchema Schema() => JsonSchema.FromFileAsync(SchemaPath).GetAwaiter().GetResult();

    public static TheoryData<string> ExampleConfigs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(ConfigFiles.Examples, "*.advscan.json").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ExampleConfigs))]
    public void Every_example_config_validates(string name)
    {
        var errors = Schema().Validate(File.ReadAllText(Path.Combine(ConfigFiles.Examples, name)));
        Assert.Empty(errors.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("""{ "attack": "deepfool", "eps": [0.1] }""", "[]")]
    [InlineData("""{ "attack": "pgd", "eps": [1.5] }""", "[]")]
    [InlineData("""{ "attack": "pgd", "eps": [0.1], "stepsize": 0.01 }""", "[]")]
    [InlineData("""{ "attack": "transfer", "eps": [0.1] }""", "[]")]
    [InlineData("""{ "attack": "pgd", "eps": [0.1] }""", """[ { "metric": "cleanAccuracy", "min": 1.5 } ]""")]
    [InlineData("""{ "attack": "pgd", "eps": [0.1] }""", """[ { "metric": "cleanAccuracy", "min": 0.5, "max": 0.9 } ]""")]
    [InlineData("""{ "attack": "pgd", "eps": [0.1] }""", """[ { "metric": "robustAccuracy", "min": 0.5 } ]""")]
    public void A_config_the_reader_rejects_is_a_schema_error(string attack, string gates)
    {
        var json = $$"""{ "model": "m.onnx", "data": "d.npz", "attacks": [ {{attack}} ], "gates": {{gates}} }""";
        Assert.NotEmpty(Schema().Validate(json));
    }

    [Fact]
    public void The_schema_defines_every_attack_the_scanner_registers()
    {
        var schema = JObject.Parse(File.ReadAllText(SchemaPath));
        var names = ((JObject)schema["definitions"]!).Properties().Where(p => p.Name.StartsWith("attack-", StringComparison.Ordinal))
            .Select(p => (string?)p.Value["properties"]!["attack"]!["enum"]![0]).Order(StringComparer.Ordinal);
        Assert.Equal(ScanRegistry.Default.Attacks.Select(a => a.Name).Order(StringComparer.Ordinal), names.Where(n => ScanRegistry.Default.Attack(n!) is not null));
        Assert.All(ScanRegistry.Default.Attacks, a => Assert.Contains(a.Name, names));
    }

    [Fact]
    public void A_config_using_every_property_the_schema_offers_validates_and_reads()
    {
        var fixtures = ConfigFiles.Fixtures;
        string Q(string p) => System.Text.Json.JsonSerializer.Serialize(Path.Combine(fixtures, p));
        var json = $$"""
            {
              "$schema": "advscan.schema.json",
              "model": {{Q("mnist-cnn.onnx")}},
              "data": { "path": {{Q("mnist-test-images-idx3-ubyte")}}, "labels": {{Q("mnist-test-labels-idx1-ubyte")}} },
              "spec": { "layout": "nchw", "channelOrder": "rgb", "scale": 1, "mean": [0], "std": [1], "resize": "none" },
              "sample": { "size": 10, "seed": 1 },
              "seed": 2,
              "device": "cpu",
              "batchSize": 16,
              "nearThreshold": 0.05,
              "limits": { "maxSteps": 1000, "maxConfigBytes": 1048576 },
              "attacks": [
                { "id": "p", "attack": "pgd", "norm": "l2", "eps": [0.5, 1.5], "steps": 5, "stepSize": 0.1, "restarts": 2,
                  "randomStart": false, "targetClass": 3 },
                { "id": "sq", "attack": "square", "eps": 0.1, "queries": 100 },
                { "attack": "transfer", "eps": 0.1, "surrogate": {{Q("mnist-badnets.onnx")}} }
              ],
              "gates": [
                { "id": "g", "metric": "robustAccuracy", "attack": "p", "eps": 1.5, "min": 0.1, "bound": "confidence" },
                { "metric": "attackSuccess", "attack": "transfer", "max": 0.9 },
                { "metric": "runtimeDisagreement", "max": 0.05 },
                { "metric": "cleanAccuracy", "min": 0.5, "bound": "point" }
              ]
            }
            """;
        Assert.Empty(Schema().Validate(json).Select(e => e.ToString()));
        var config = ScanConfigReader.Parse(json, files.PathOf("all.json"));
        Assert.Equal(3, config.Attacks.Count);
        Assert.Equal(4, config.Gates.Count);
        Assert.Equal(1000, config.Limits!.MaxSteps);
    }

    public void Dispose() => files.Dispose();
}
