using System.Globalization;
using System.Text;
using AdvScan.Attacks;
using AdvScan.Scanning;

namespace AdvScan.Reporting;

/// <summary>
/// `--markdown FILE`: a compact summary for a CI job page (GitHub's $GITHUB_STEP_SUMMARY): the verdict, a gate table
/// and each attack's curve as a table. Report strings are escaped so they cannot break the tables or inject markup.
/// </summary>
public sealed class MarkdownReporter : IReporter
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public string Format => "markdown";

    public async Task WriteAsync(ScanReport report, Stream output, CancellationToken cancellationToken = default)
    {
        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(Render(report));
        await output.WriteAsync(bytes, cancellationToken);
    }

    internal static string Render(ScanReport report)
    {
        var m = new StringBuilder();
        int failed = report.Gates.Count(g => g.Status == GateStatus.Fail), near = report.Gates.Count(g => g.Status == GateStatus.Near);
        m.Append(C, $"## AdvScan: {(report.Passed ? "✅ passed" : "❌ failed")}\n\n");
        m.Append(C, $"Model `{Code(Path.GetFileName(report.ModelFile))}` (SHA-256 `{Code(report.ModelSha256)}`), {report.Examples} examples, seed {report.Seed}. ");
        m.Append(C, $"Clean accuracy **{HtmlReporter.Percent(report.CleanAccuracy.Value)}** (95% CI {HtmlReporter.Percent(report.CleanAccuracy.Lower)}–{HtmlReporter.Percent(report.CleanAccuracy.Upper)}). ");
        m.Append(C, $"{report.Gates.Count} gate(s): {failed} failed, {near} near the threshold.\n\n");

        if (report.Gates.Count > 0)
        {
            m.Append("| Status | Rule | Gate | Measured | 95% CI | Threshold | advscan.json line |\n|---|---|---|---:|---:|---:|---:|\n");
            foreach (var g in report.Gates)
            {
                var status = g.Status switch { GateStatus.Pass => "✅ pass", GateStatus.Near => "⚠️ near", _ => "❌ fail" };
                m.Append(C, $"| {status} | {g.Rule.Id} | {Cell(g.Gate.Id)} | {MetricText.Value(g.Measured)} ");
                m.Append(C, $"| {MetricText.Interval(g.Measured).Replace(" to ", "–", StringComparison.Ordinal)} | {(g.Gate.Min is not null ? "≥" : "≤")} {MetricText.Threshold(g)} | {g.Gate.Line} |\n");
            }
            m.Append('\n');
            if (report.Sequential is { } sequential)
            {
                m.Append(C, $"Sequential scan: {report.Examples} of {sequential.SampleSize} examples used, verdicts settled at {sequential.Confidence:0.###} confidence.\n\n");
                foreach (var g in report.Gates.Where(g => g.Sequential is not null))
                    m.Append(C, $"- {Cell(g.Gate.Id)}: {ScanReportJson.StopName(g.Sequential!.Stop)} after {g.Sequential.ExamplesUsed} examples, confidence sequence {HtmlReporter.Percent(g.Sequential.Lower)}–{HtmlReporter.Percent(g.Sequential.Upper)}\n");
                m.Append('\n');
            }
        }

        foreach (var attack in report.Attacks)
        {
            var c = attack.Config;
            m.Append(C, $"### {Cell(c.Id)}: {Cell(c.Attack)}, {Cell(attack.Description)}\n\n");
            m.Append("| eps | Robust accuracy | 95% CI | Attack success | Mean norm | Median norm | Runtime disagreements |\n|---:|---:|---:|---:|---:|---:|---:|\n");
            foreach (var p in attack.Result.Curve)
            {
                m.Append(C, $"| {HtmlReporter.Number(p.Epsilon)} | {HtmlReporter.Percent(p.RobustAccuracy.Value)} | {HtmlReporter.Percent(p.RobustAccuracy.Lower)}–{HtmlReporter.Percent(p.RobustAccuracy.Upper)} ");
                var sizes = p.AttackSuccess.Successes == 0 ? "none | none" : string.Create(C, $"{p.MeanPerturbation:0.0000} | {p.MedianPerturbation:0.0000}");
                m.Append(C, $"| {HtmlReporter.Percent(p.AttackSuccess.Value)} | {sizes} | {p.RuntimeDisagreements} |\n");
            }
            m.Append('\n');
        }

        foreach (var check in report.Checks)
        {
            m.Append(C, $"### {Cell(check.Id)}: {Cell(check.Check)}, {Cell(check.Description)}\n\n");
            if (check.Metrics.Count > 0)
            {
                m.Append("| Metric | Budget | Value | 95% CI | Note |\n|---|---:|---:|---:|---|\n");
                // A CI summary has a size limit: a check with a figure per corruption and severity shows the first ones.
                foreach (var v in check.Metrics.Take(CheckSectionHtml.FoldedMetrics))
                    m.Append(C, $"| {Cell(v.Metric)} | {MetricText.Budget(v)} | {MetricText.Value(v)} | {MetricText.Interval(v).Replace(" to ", "–", StringComparison.Ordinal)} | {Cell(v.Label ?? "")} |\n");
                m.Append('\n');
                if (check.Metrics.Count > CheckSectionHtml.FoldedMetrics)
                    m.Append(C, $"{check.Metrics.Count - CheckSectionHtml.FoldedMetrics} more figures are in the JSON and HTML reports.\n\n");
            }
            foreach (var f in check.Findings)
                m.Append(C, $"- **{MetricText.Level(f.Level)}** {f.Rule.Id}: {Cell(f.Message)}\n");
            if (check.Findings.Count > 0) m.Append('\n');
        }
        return m.ToString();
    }

    /// <summary>
    /// Escapes a table cell: a pipe would end the cell, markdown punctuation and HTML would be interpreted, and a
    /// newline would end the row.
    /// </summary>
    internal static string Cell(string text)
    {
        var s = new StringBuilder(text.Length);
        foreach (var ch in UntrustedText.Escape(text, HtmlReporter.MaxText))
        {
            if (ch is '\r' or '\n') s.Append(' ');
            else if (ch == '<') s.Append("&lt;");
            else if (ch == '>') s.Append("&gt;");
            else if (ch == '&') s.Append("&amp;");
            else if ("\\`*_{}[]()#+-!|~".Contains(ch)) s.Append('\\').Append(ch);
            else s.Append(ch);
        }
        return s.ToString();
    }

    /// <summary>Inside a code span only a backtick could end it early; newlines (escaped) would break the line.</summary>
    private static string Code(string text) => UntrustedText.Escape(text, HtmlReporter.MaxText).Replace('`', '\'');
}
