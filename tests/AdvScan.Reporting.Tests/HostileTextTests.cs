using AdvScan.Scanning;

namespace AdvScan.Reporting.Tests;

/// <summary>
/// Names from the config, model and data (gate ids, class names) reach every report. A newline followed by a
/// canonical diagnostic, a terminal escape or a bidi override must stay inside its cell or message, escaped for the
/// format; JSON and SARIF keep the raw value in their structured fields.
/// </summary>
public sealed class HostileTextTests
{
    private const string Forged = "src/Evil.cs(7,1): error ADV1002: forged";
    private const string HostileId = "g\n" + Forged + "|`<script>\u001b[2K\u202e";

    /// <summary>The sample report with its failing robustness gate renamed and its first class named like an attacker would.</summary>
    private static ScanReport Hostile(string? className = null)
    {
        var report = SampleReports.Full();
        var gate = report.Gates[1] with { Gate = report.Gates[1].Gate with { Id = HostileId } };
        Assert.Equal(GateStatus.Fail, gate.Status);
        var names = new[] { className ?? "zero\n" + Forged, "one" };
        return report with
        {
            Gates = [report.Gates[0], gate, .. report.Gates.Skip(2)],
            ClassNames = names,
            PerClass = report.PerClass.Select((c, i) => c with { Name = names[i] }).ToList(),
        };
    }

    [Fact]
    public async Task Html_escapes_newlines_controls_bidi_and_markup_in_names()
    {
        var html = await ReporterOutput.TextAsync(new HtmlReporter(), Hostile());

        AssertNoForgedLine(html);
        Assert.Contains(@"g\nsrc/Evil.cs(7,1): error ADV1002: forged|`&lt;script&gt;\u001b[2K\u202e", html);
        Assert.Contains(@"zero\nsrc/Evil.cs(7,1)", html);
        Assert.DoesNotContain("<script>", html);
    }

    [Fact]
    public async Task Markdown_keeps_a_hostile_gate_id_inside_its_cell()
    {
        var markdown = await ReporterOutput.TextAsync(new MarkdownReporter(), Hostile());

        AssertNoForgedLine(markdown);
        var row = Assert.Single(markdown.Split('\n'), l => l.Contains("Evil", StringComparison.Ordinal));
        // Eight cell separators, as in every gate row: the pipe in the id is escaped, the backtick too.
        Assert.Equal(8, System.Text.RegularExpressions.Regex.Matches(row, @"(?<!\\)\|").Count);
        Assert.Contains(@"\|\`&lt;script&gt;", row);
    }

    [Fact]
    public async Task A_5_MB_class_name_is_cut_in_the_html_and_json_keeps_it()
    {
        var name = new string('x', 5 << 20);
        var report = Hostile(name);

        var html = await ReporterOutput.TextAsync(new HtmlReporter(), report);
        var json = await ReporterOutput.TextAsync(new JsonReporter(), report);

        Assert.True(html.Length < 1 << 20, $"{html.Length} characters");
        Assert.Contains($"...({(5 << 20) - HtmlReporter.MaxText} more characters)", html);
        Assert.Contains(name, json);
    }

    [Fact]
    public async Task Sarif_messages_escape_the_gate_id_and_its_properties_keep_it()
    {
        var sarif = await ReporterOutput.TextAsync(new SarifReporter(), Hostile());
        using var document = System.Text.Json.JsonDocument.Parse(sarif);
        var results = document.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()
            .Where(r => r.GetProperty("properties").TryGetProperty("gateId", out var id) && id.GetString() == HostileId).ToList();

        var result = Assert.Single(results);
        var message = result.GetProperty("message").GetProperty("text").GetString()!;
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain('\u001b', message);
        Assert.StartsWith(@"Gate 'g\nsrc/Evil.cs(7,1): error ADV1002: forged", message);
        Assert.All(result.GetProperty("locations").EnumerateArray(),
            l => Assert.DoesNotContain('\n', l.GetProperty("message").GetProperty("text").GetString()!));
    }

    private static void AssertNoForgedLine(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            Assert.False(line.TrimStart().StartsWith("src/Evil.cs", StringComparison.Ordinal), $"a forged line: {line}");
            Assert.DoesNotContain('\u001b', line);
            Assert.DoesNotContain('\u202e', line);
        }
    }
}
