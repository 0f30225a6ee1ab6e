using AdvScan.Scanning;

namespace AdvScan.Reporting.Tests;

public class MarkdownReporterTests
{
    private static Task<string> MarkdownAsync(ScanReport report) => ReporterOutput.TextAsync(new MarkdownReporter(), report);

    [Fact]
    public async Task Identical_reports_give_identical_bytes()
    {
        Assert.Equal(await ReporterOutput.BytesAsync(new MarkdownReporter(), SampleReports.Full()), await ReporterOutput.BytesAsync(new MarkdownReporter(), SampleReports.Full()));
    }

    [Fact]
    public async Task Failed_report_says_so_in_the_heading()
    {
        Assert.StartsWith("## AdvScan: ❌ failed", await MarkdownAsync(SampleReports.Full()));
    }

    [Fact]
    public async Task Gate_row_carries_status_measured_ci_threshold_and_line()
    {
        var row = (await MarkdownAsync(SampleReports.Full())).Split('\n').Single(l => l.Contains("robust\\-pgd"));
        Assert.Equal("| ❌ fail | ADV1002 | robust\\-pgd | 23.8% (38/160) | 17.8%–30.9% | ≥ 70.0% | 32 |", row);
    }

    [Fact]
    public async Task Each_attack_curve_is_a_table_with_a_row_per_budget()
    {
        var lines = (await MarkdownAsync(SampleReports.Full())).Split('\n');
        int heading = Array.FindIndex(lines, l => l.StartsWith("### square\\-l2", StringComparison.Ordinal));
        var rows = lines.Skip(heading + 4).TakeWhile(l => l.StartsWith('|')).ToList();
        Assert.Equal(["0.5", "1", "2"], rows.Select(r => r.Split('|')[1].Trim()));
    }

    [Fact]
    public async Task A_budget_that_broke_nothing_shows_no_perturbation_size_rather_than_an_invented_zero()
    {
        var report = SampleReports.Full();
        var pgd = report.Attacks[0];
        var first = pgd.Result.Curve[0];
        var untouched = first with { RobustAccuracy = first.CleanAccuracy, AttackSuccess = Proportion.Of(0, first.CleanAccuracy.Successes), MeanPerturbation = 0, MedianPerturbation = 0 };
        var changed = report with { Attacks = [pgd with { Result = pgd.Result with { Curve = [untouched, .. pgd.Result.Curve.Skip(1)] } }, .. report.Attacks.Skip(1)] };

        var markdown = await MarkdownAsync(changed);
        Assert.Contains("| 0.0% | none | none |", markdown);
        Assert.DoesNotContain("| 0.0% | 0.0000 | 0.0000 |", markdown);
        var html = await ReporterOutput.TextAsync(new HtmlReporter(), changed);
        Assert.Contains("<td class=\"num\">none</td>", html);
        // Budgets that broke something keep their sizes.
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{pgd.Result.Curve[1].MeanPerturbation:0.0000}"), markdown);
    }

    [Fact]
    public async Task A_pipe_in_a_gate_id_cannot_break_the_table()
    {
        var report = SampleReports.Full();
        var gate = report.Gates[0] with { Gate = report.Gates[0].Gate with { Id = "a|b" } };
        var markdown = await MarkdownAsync(report with { Gates = [gate] });
        var row = markdown.Split('\n').Single(l => l.Contains("a\\|b"));
        // A gate row has eight cell separators; an unescaped pipe in the id would add a ninth.
        Assert.Equal(8, System.Text.RegularExpressions.Regex.Matches(row, @"(?<!\\)\|").Count);
    }
}
