using AdvScan.Checks;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace AdvScan.Scanning.Tests;

/// <summary>
/// The "limits" section of advscan.json: one key per <see cref="ResourceLimits"/> property, read before everything it
/// bounds, in force for the scan, and outranked by limits pinned on the command line.
/// </summary>
public sealed class ConfigLimitsTests : IDisposable
{
    private readonly ConfigFiles files = new();

    private static readonly ResourceLimit Steps = ResourceLimits.Of(nameof(ResourceLimits.MaxSteps));

    [Fact]
    public void Every_limit_is_a_config_key_a_command_line_option_and_a_schema_property_with_its_default()
    {
        var properties = typeof(ResourceLimits).GetProperties().Where(p => p.PropertyType == typeof(int) || p.PropertyType == typeof(long)).Select(p => p.Name);
        Assert.Equal(properties.Order(StringComparer.Ordinal), ResourceLimits.All.Select(l => l.Name).Order(StringComparer.Ordinal));
        Assert.Equal("maxSteps", Steps.Key);
        Assert.Equal("--limit-max-steps", Steps.Option);
        Assert.Equal("--limit-max-image-pixels", ResourceLimits.Of(nameof(ResourceLimits.MaxImagePixels)).Option);

        var schema = (JObject)JObject.Parse(ConfigSchema.Write(ScanRegistry.Default))["properties"]!["limits"]!["properties"]!;
        Assert.Equal(ResourceLimits.All.Select(l => l.Key), schema.Properties().Select(p => p.Name));
        Assert.All(ResourceLimits.All, l => Assert.Equal(l.Default, (long)schema[l.Key]!["default"]!));
    }

    [Fact]
    public void A_config_raises_a_limit_for_its_own_values_and_the_scan()
    {
        var path = files.Write("raised.json", """
              "limits": { "maxSteps": 250000 },
              "attacks": [ { "attack": "pgd", "eps": 0.1, "steps": 200000 } ]
            """);

        var config = ScanConfigReader.Load(path);

        Assert.Equal(200000, config.Attacks[0].Settings.Steps);
        Assert.Equal(250000, config.Limits!.MaxSteps);
        Assert.Equal(ResourceLimits.Default.MaxRestarts, config.Limits.MaxRestarts);
    }

    [Fact]
    public void A_limit_pinned_on_the_command_line_wins_over_the_config()
    {
        var path = files.Write("pinned.json", """
              "limits": { "maxSteps": 250000 },
              "attacks": [ { "attack": "pgd", "eps": 0.1,
                             "steps": 200000 } ]
            """);

        var e = Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(path, null, new Dictionary<ResourceLimit, long> { [Steps] = 1000 }));

        Assert.Equal(ConfigFiles.LineOf(path, "200000"), e.Line);
        Assert.Equal("steps is 200000, above the limit of 1000 (raise it with limits.maxSteps in advscan.json or --limit-max-steps)", e.Problem);
    }

    [Theory]
    [InlineData("""{ "maxStep": 10 }""", "unknown property \"maxStep\" in limits")]
    [InlineData("""{ "maxSteps": 0 }""", "maxSteps must be an integer >= 1, got 0")]
    [InlineData("""{ "maxConfigBytes": 1e9 }""", "maxConfigBytes must be an integer")]
    [InlineData("""{ "maxConfigBytes": 99999999999999999999 }""", "maxConfigBytes must be an integer in [1, 9223372036854775807], got 99999999999999999999 (beyond 64 bits)")]
    public void A_bad_limit_is_reported_on_its_line(string limits, string problem)
    {
        var path = files.Write("bad-limit.json", $$"""
              "limits":
                {{limits}}
            """);

        var e = Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(path));

        Assert.Equal(ConfigFiles.LineOf(path, limits), e.Line);
        Assert.Equal(problem, e.Problem[..Math.Min(problem.Length, e.Problem.Length)]);
    }

    [Fact]
    public void A_check_key_bounded_by_a_limit_is_reported_on_its_line()
    {
        var path = files.Write("epochs.json", """
              "checks": [ { "check": "neural-cleanse",
                            "epochs": 20000 } ]
            """);

        var e = Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(path, ScanRegistryWithChecks()));

        Assert.Equal(ConfigFiles.LineOf(path, "20000"), e.Line);
        Assert.StartsWith("epochs is 20000, above the limit of 10000 (raise it with limits.maxEpochs", e.Problem);
    }

    private static ScanRegistry ScanRegistryWithChecks()
    {
        using var provider = new ServiceCollection().AddAdvScanScanner().AddAdvScanChecks().BuildServiceProvider();
        return provider.GetRequiredService<Scanner>().Registry;
    }

    public void Dispose() => files.Dispose();
}
