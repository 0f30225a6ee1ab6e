using System.Globalization;
using System.Text;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using static AdvScan.Reporting.HtmlReporter;

namespace AdvScan.Reporting;

/// <summary>One section per check in the HTML report: its settings, metrics, findings, tables and images, for any check.</summary>
internal static class CheckSectionHtml
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Above this many metric values a check's figure table is folded into a details element.</summary>
    internal const int FoldedMetrics = 40;

    public static void Write(StringBuilder h, ScanReport report)
    {
        foreach (var check in report.Checks)
        {
            h.Append(C, $"<h2>Check {E(check.Id)}: {E(check.Check)}</h2>\n<p>{E(check.Description)}</p>\n");
            if (check.Charts.Count > 0)
            {
                h.Append("<div class=\"curves\">\n");
                foreach (var chart in check.Charts)
                    h.Append(C, $"<figure class=\"curve\">\n{Svg.Chart(chart, check.Metrics)}<figcaption>{E(chart.Title)}</figcaption>\n</figure>\n");
                h.Append("</div>\n");
            }
            if (check.Metrics.Count > 0)
            {
                // A long list (a figure per corruption and severity) stays one click away rather than filling the page.
                bool folded = check.Metrics.Count > FoldedMetrics;
                if (folded) h.Append(C, $"<details><summary>All {check.Metrics.Count} figures</summary>\n");
                h.Append("<table>\n<tr><th>Metric</th><th>Budget</th><th>Value</th><th>95% CI</th><th>Note</th></tr>\n");
                foreach (var m in check.Metrics)
                    h.Append(C, $"<tr><td>{E(m.Metric)}</td><td class=\"num\">{MetricText.Budget(m)}</td><td class=\"num\">{E(MetricText.Value(m))}</td><td class=\"num\">{E(MetricText.Interval(m))}</td><td>{E(m.Label ?? "")}</td></tr>\n");
                h.Append("</table>\n");
                if (folded) h.Append("</details>\n");
            }
            if (check.Findings.Count > 0)
            {
                h.Append("<ul class=\"findings\">\n");
                foreach (var f in check.Findings)
                {
                    h.Append(C, $"<li><span class=\"badge {(f.Level == FindingLevel.Note ? "pass" : f.Level == FindingLevel.Warning ? "near" : "fail")}\">{MetricText.Level(f.Level).ToUpperInvariant()}</span> {E(f.Rule.Id)}: {E(f.Message)}");
                    if (f.Samples is { Count: > 0 } samples)
                        h.Append(C, $"<br><small>{E(string.Join(", ", samples.Take(20).Select(s => $"#{s.Index} ({s.Location}, {s.Score:0.###})")))}{(samples.Count > 20 ? E($", and {samples.Count - 20} more") : "")}</small>");
                    h.Append("</li>\n");
                }
                h.Append("</ul>\n");
            }
            foreach (var table in check.Tables)
            {
                h.Append(C, $"<h3>{E(table.Title)}</h3>\n<table>\n<tr>");
                foreach (var column in table.Columns) h.Append(C, $"<th>{E(column)}</th>");
                h.Append("</tr>\n");
                foreach (var row in table.Rows) h.Append("<tr>").Append(string.Concat(row.Select(cell => $"<td>{E(cell)}</td>"))).Append("</tr>\n");
                h.Append("</table>\n");
            }
            foreach (var group in check.Images.GroupBy(i => i.Group))
            {
                h.Append(C, $"<h3>{E(group.Key)}</h3>\n<table class=\"gallery\"><tr>");
                foreach (var image in group)
                {
                    int channels = (int)image.Shape[^3], height = (int)image.Shape[^2], width = (int)image.Shape[^1];
                    var png = Convert.ToBase64String(ImageEncoding.Png(image.Pixels, height, width, channels));
                    h.Append(C, $"<td><img src=\"data:image/png;base64,{png}\" width=\"96\" height=\"{96 * height / Math.Max(1, width)}\" alt=\"{E(image.Caption)}\"><br><span>{E(image.Caption)}</span></td>");
                }
                h.Append("</tr></table>\n");
            }
        }
    }
}
