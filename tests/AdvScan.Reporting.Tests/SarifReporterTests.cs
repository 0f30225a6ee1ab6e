using System.Text.Json;
using AdvScan.Scanning;
using Microsoft.CodeAnalysis.Sarif;
using Newtonsoft.Json;

namespace AdvScan.Reporting.Tests;

public class SarifReporterTests
{
    private static readonly SarifReporterOptions InRepo = new() { SourceRoot = SampleReports.Root, InformationUri = new Uri("https://example.org/advscan") };

    private static Task<string> SarifAsync(ScanReport report, SarifReporterOptions? options = null) =>
        ReporterOutput.TextAsync(new SarifReporter(options ?? InRepo), report);

    private static async Task<JsonElement> RunAsync(ScanReport report, SarifReporterOptions? options = null) =>
        JsonDocument.Parse(await SarifAsync(report, options)).RootElement.GetProperty("runs")[0];

    [Fact]
    public async Task Output_is_valid_against_the_sarif_2_1_0_schema()
    {
        var schema = await NJsonSchema.JsonSchema.FromFileAsync(Path.Combine(AppContext.BaseDirectory, "Sarif", "sarif-2.1.0.json"));
        var errors = schema.Validate(await SarifAsync(SampleReports.Full()));
        Assert.Empty(errors.SelectMany(Flatten));
    }

    /// <summary>NJsonSchema nests the real cause inside "array item not valid"; list the leaves so a failure says what.</summary>
    private static IEnumerable<string> Flatten(NJsonSchema.Validation.ValidationError error) =>
        error is NJsonSchema.Validation.ChildSchemaValidationError child && child.Errors.Count > 0
            ? child.Errors.Values.SelectMany(e => e).SelectMany(Flatten)
            : [$"{error.Path}: {error.Kind}"];

    [Fact]
    public async Task Schema_validation_catches_an_invalid_log()
    {
        // Guards the test above: a validator that accepted anything would make it pass vacuously.
        var schema = await NJsonSchema.JsonSchema.FromFileAsync(Path.Combine(AppContext.BaseDirectory, "Sarif", "sarif-2.1.0.json"));
        var broken = (await SarifAsync(SampleReports.Full())).Replace("\"level\": \"error\"", "\"level\": \"fatal\"");
        Assert.NotEmpty(schema.Validate(broken));
    }

    [Fact]
    public async Task Sarif_sdk_reads_it_strictly()
    {
        var settings = new JsonSerializerSettings { MissingMemberHandling = MissingMemberHandling.Error };
        var log = JsonConvert.DeserializeObject<SarifLog>(await SarifAsync(SampleReports.Full()), settings)!;
        var run = Assert.Single(log.Runs);
        Assert.Equal(["ADV1001", "ADV1002", "ADV1003", "ADV1004"], run.Tool.Driver.Rules.Select(r => r.Id));
        Assert.Equal(2, run.Results.Count);
    }

    [Fact]
    public async Task Meets_the_github_code_scanning_upload_rules()
    {
        var root = JsonDocument.Parse(await SarifAsync(SampleReports.Full())).RootElement;
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("$schema").GetString()));
        var run = root.GetProperty("runs")[0];
        var ruleIds = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Equal(ruleIds.Count, ruleIds.Distinct().Count());
        foreach (var result in run.GetProperty("results").EnumerateArray())
        {
            Assert.Contains(result.GetProperty("ruleId").GetString(), ruleIds);
            Assert.False(string.IsNullOrEmpty(result.GetProperty("message").GetProperty("text").GetString()));
            var first = result.GetProperty("locations")[0].GetProperty("physicalLocation");
            Assert.False(string.IsNullOrEmpty(first.GetProperty("artifactLocation").GetProperty("uri").GetString()));
            Assert.True(first.GetProperty("region").GetProperty("startLine").GetInt32() >= 1);
            Assert.NotEmpty(result.GetProperty("partialFingerprints").EnumerateObject());
        }
        Assert.DoesNotContain("file://", await SarifAsync(SampleReports.Full()));
    }

    [Fact]
    public async Task Failed_gates_are_errors_near_gates_warnings_and_passing_gates_absent()
    {
        var results = (await RunAsync(SampleReports.Full())).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([("ADV1002", "error"), ("ADV1003", "warning")],
            results.Select(r => (r.GetProperty("ruleId").GetString(), r.GetProperty("level").GetString())));
    }

    [Fact]
    public async Task A_result_sits_on_the_config_line_that_sets_the_threshold_and_points_at_the_model()
    {
        var locations = (await RunAsync(SampleReports.Full())).GetProperty("results")[0].GetProperty("locations");
        var config = locations[0].GetProperty("physicalLocation");
        Assert.Equal("models/advscan.json", config.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal("%SRCROOT%", config.GetProperty("artifactLocation").GetProperty("uriBaseId").GetString());
        Assert.Equal(SampleReports.RobustGate.Line, config.GetProperty("region").GetProperty("startLine").GetInt32());
        Assert.Equal("models/mnist.onnx", locations[1].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString());
    }

    [Fact]
    public async Task Message_carries_measured_figure_threshold_interval_and_attack_parameters()
    {
        var text = (await RunAsync(SampleReports.Full())).GetProperty("results")[0].GetProperty("message").GetProperty("text").GetString()!;
        var measured = Proportion.Of(38, 160);
        Assert.Contains($"{measured.Value:0.0000}", text);
        Assert.Contains($"95% CI {measured.Lower:0.0000}-{measured.Upper:0.0000}", text);
        Assert.Contains("0.7000", text);
        Assert.Contains("Attack pgd ('pgd') at eps 0.3: L-inf, 40 steps", text);
    }

    [Fact]
    public async Task Properties_carry_the_figures_as_numbers()
    {
        var properties = (await RunAsync(SampleReports.Full())).GetProperty("results")[0].GetProperty("properties");
        var measured = Proportion.Of(38, 160);
        Assert.Equal(measured.Value, properties.GetProperty("measured").GetDouble());
        Assert.Equal(measured.Lower, properties.GetProperty("ciLower").GetDouble());
        Assert.Equal(0.7, properties.GetProperty("threshold").GetDouble());
        Assert.Equal(0.3, properties.GetProperty("epsilon").GetDouble());
        Assert.Equal(40, properties.GetProperty("parameters").GetProperty("steps").GetInt32());
    }

    [Fact]
    public async Task Fingerprints_stay_the_same_when_the_measured_figure_changes()
    {
        static async Task<List<string>> Fingerprints(ScanReport report) =>
            (await RunAsync(report)).GetProperty("results").EnumerateArray()
                .Select(r => r.GetProperty("partialFingerprints").GetProperty(SarifReporter.FingerprintName).GetString()!).ToList();
        var before = await Fingerprints(SampleReports.Full());
        var worse = SampleReports.ShardA with { PgdRobust = [98, 60, 30, 10] };
        var after = await Fingerprints(SampleReports.Build(worse, []));
        Assert.Equal(before[0], after[0]);
        Assert.NotEqual(before[0], before[1]);
    }

    [Fact]
    public async Task Model_hash_and_seed_are_recorded()
    {
        var run = await RunAsync(SampleReports.Full());
        Assert.Equal(SampleReports.Sha256, run.GetProperty("properties").GetProperty("modelSha256").GetString());
        Assert.Equal(1234, run.GetProperty("properties").GetProperty("seed").GetInt64());
        var model = run.GetProperty("artifacts").EnumerateArray().Single(a => a.GetProperty("roles")[0].GetString() == "analysisTarget");
        Assert.Equal(SampleReports.Sha256, model.GetProperty("hashes").GetProperty("sha-256").GetString());
    }

    [Fact]
    public async Task Tool_driver_names_itself_with_version_and_information_uri()
    {
        var driver = (await RunAsync(SampleReports.Full())).GetProperty("tool").GetProperty("driver");
        Assert.Equal("AdvScan", driver.GetProperty("name").GetString());
        Assert.Equal("0.1.0", driver.GetProperty("version").GetString());
        Assert.Equal("https://example.org/advscan", driver.GetProperty("informationUri").GetString());
        Assert.Contains("adversarial training", driver.GetProperty("rules")[1].GetProperty("help").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Files_outside_the_source_root_get_absolute_file_uris()
    {
        var location = (await RunAsync(SampleReports.Full(), new SarifReporterOptions { SourceRoot = "/elsewhere" }))
            .GetProperty("results")[0].GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation");
        Assert.Equal("file:///repo/models/advscan.json", location.GetProperty("uri").GetString());
        Assert.False(location.TryGetProperty("uriBaseId", out _));
    }

    [Fact]
    public async Task Identical_reports_give_identical_bytes_with_no_timestamp()
    {
        var first = await ReporterOutput.BytesAsync(new SarifReporter(InRepo), SampleReports.Full());
        var second = await ReporterOutput.BytesAsync(new SarifReporter(InRepo), SampleReports.Full());
        Assert.Equal(first, second);
        Assert.DoesNotContain("TimeUtc", System.Text.Encoding.UTF8.GetString(first));
    }

    [Fact]
    public async Task A_fixed_timestamp_is_written_when_asked()
    {
        var options = InRepo with { Timestamp = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero) };
        var invocation = (await RunAsync(SampleReports.Full(), options)).GetProperty("invocations")[0];
        Assert.Equal("2025-01-02T03:04:05.000Z", invocation.GetProperty("startTimeUtc").GetString());
    }
}
