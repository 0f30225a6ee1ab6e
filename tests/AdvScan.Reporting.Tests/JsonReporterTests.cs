using AdvScan.Attacks;
using System.Globalization;
using System.Text.Json;
using AdvScan.Scanning;

namespace AdvScan.Reporting.Tests;

public class JsonReporterTests
{
    private static async Task<JsonElement> RootAsync(ScanReport report) =>
        JsonDocument.Parse(await ReporterOutput.TextAsync(new JsonReporter(), report)).RootElement;

    [Fact]
    public async Task Identical_reports_give_identical_bytes()
    {
        var first = await ReporterOutput.BytesAsync(new JsonReporter(), SampleReports.Full());
        var second = await ReporterOutput.BytesAsync(new JsonReporter(), SampleReports.Full());
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Output_does_not_depend_on_the_current_culture()
    {
        var invariant = await ReporterOutput.TextAsync(new JsonReporter(), SampleReports.Full());
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Assert.Equal(invariant, await ReporterOutput.TextAsync(new JsonReporter(), SampleReports.Full()));
        }
        finally { CultureInfo.CurrentCulture = saved; }
    }

    [Fact]
    public async Task Clean_accuracy_carries_counts_and_the_wilson_interval()
    {
        var clean = (await RootAsync(SampleReports.Full())).GetProperty("cleanAccuracy");
        var expected = Proportion.Of(157, 160);
        Assert.Equal(157, clean.GetProperty("successes").GetInt32());
        Assert.Equal(160, clean.GetProperty("trials").GetInt32());
        Assert.Equal(expected.Lower, clean.GetProperty("lower").GetDouble());
        Assert.Equal(expected.Upper, clean.GetProperty("upper").GetDouble());
    }

    [Fact]
    public async Task Each_curve_point_carries_robust_accuracy_attack_success_norms_and_disagreements()
    {
        var report = SampleReports.Full();
        var point = (await RootAsync(report)).GetProperty("attacks")[0].GetProperty("curve")[3];
        var expected = report.Attacks[0].Result.Curve[3];
        Assert.Equal(0.3, point.GetProperty("epsilon").GetDouble());
        Assert.Equal(38, point.GetProperty("robustAccuracy").GetProperty("successes").GetInt32());
        Assert.Equal(expected.AttackSuccess.Upper, point.GetProperty("attackSuccess").GetProperty("upper").GetDouble());
        Assert.Equal(expected.MeanPerturbation, point.GetProperty("meanPerturbation").GetDouble());
        Assert.Equal(expected.MedianPerturbation, point.GetProperty("medianPerturbation").GetDouble());
        Assert.Equal(4, point.GetProperty("runtimeDisagreements").GetInt32());
    }

    [Fact]
    public async Task Attack_parameters_are_only_the_keys_each_attack_declares_and_read_back_to_the_same_bytes()
    {
        var report = SampleReports.Full();
        var attacks = (await RootAsync(report)).GetProperty("attacks");
        var pgd = attacks[0].GetProperty("parameters");
        var square = attacks[1].GetProperty("parameters");
        Assert.Equal(new Pgd().Keys, pgd.EnumerateObject().Select(p => p.Name));
        Assert.Equal(40, pgd.GetProperty("steps").GetInt32());
        // Square takes no steps, step size or restarts: a report that showed them would describe an attack that did not run.
        Assert.Equal(new SquareAttack().Keys, square.EnumerateObject().Select(p => p.Name));
        Assert.False(square.TryGetProperty("steps", out _));
        Assert.False(attacks[1].TryGetProperty("steps", out _));

        var written = ScanReportJson.Serialize(report);
        var reread = ScanReportJson.Read(written, "report.json");
        Assert.Equal(new Pgd().Keys, reread.Attacks[0].Keys);
        Assert.Equal(report.Attacks[0].Config.Settings, reread.Attacks[0].Config.Settings);
        Assert.Equal(written, ScanReportJson.Serialize(reread));
    }

    [Fact]
    public void A_parameter_the_attack_declares_with_a_value_of_the_wrong_type_or_range_is_refused_on_its_line()
    {
        var written = ScanReportJson.Serialize(SampleReports.Full());
        foreach (var value in new[] { "\"many\"", "-5", "1.5" })
        {
            var forged = written.Replace("\"steps\": 40", $"\"steps\": {value}", StringComparison.Ordinal);
            Assert.NotEqual(written, forged);
            var error = Assert.Throws<InvalidInputException>(() => ScanReportJson.Read(forged, "shard.json"));
            Assert.Contains("steps", error.Problem);
            Assert.NotNull(error.Line);
        }
    }

    [Fact]
    public async Task Identity_of_the_scan_is_recorded_seed_and_model_hash()
    {
        var root = await RootAsync(SampleReports.Full());
        Assert.Equal(1234, root.GetProperty("seed").GetInt64());
        Assert.Equal(SampleReports.Sha256, root.GetProperty("modelSha256").GetString());
    }

    [Fact]
    public async Task Gates_carry_their_status_and_threshold()
    {
        var gates = (await RootAsync(SampleReports.Full())).GetProperty("gates").EnumerateArray().ToList();
        Assert.Equal(["pass", "fail", "near", "pass"], gates.Select(g => g.GetProperty("status").GetString()));
        Assert.Equal("ADV1002", gates[1].GetProperty("ruleId").GetString());
        Assert.Equal(0.7, gates[1].GetProperty("min").GetDouble());
        Assert.Equal(32, gates[1].GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task Images_are_left_out()
    {
        var text = await ReporterOutput.TextAsync(new JsonReporter(), SampleReports.Full());
        Assert.DoesNotContain("gallery", text, StringComparison.OrdinalIgnoreCase);
        // Three images of 784 to 3072 floats each would make the file hundreds of kilobytes.
        Assert.True(text.Length < 20_000, $"report is {text.Length} characters");
    }

    [Fact]
    public async Task A_written_report_reads_back_to_the_same_json()
    {
        var text = await ReporterOutput.TextAsync(new JsonReporter(), SampleReports.Full());
        Assert.Equal(text, ScanReportJson.Serialize(ScanReportJson.Read(text, "report.json")));
    }

    [Fact]
    public void Reading_a_file_of_another_format_names_the_file_and_line()
    {
        var error = Assert.Throws<InvalidInputException>(() => ScanReportJson.Read("{\n  \"format\": \"sarif\",\n  \"formatVersion\": 1\n}", "shard1.json"));
        Assert.Equal("shard1.json", error.File);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Reading_counts_larger_than_trials_is_rejected()
    {
        var text = ScanReportJson.Serialize(SampleReports.Full()).Replace("\"successes\": 157,", "\"successes\": 161,");
        var error = Assert.Throws<InvalidInputException>(() => ScanReportJson.Read(text, "shard1.json"));
        Assert.Contains("161 successes out of 160", error.Problem);
    }
}
