using System.Globalization;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Reporting;

/// <summary>How any metric value reads in the human reports: a percentage with counts and interval for proportions, a plain number otherwise.</summary>
internal static class MetricText
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string Value(MetricValue m) => m.Proportion is { } p
        ? string.Create(C, $"{HtmlReporter.Percent(p.Value)} ({p.Successes}/{p.Trials})")
        : HtmlReporter.Number(m.Value);

    public static string Interval(MetricValue m) => m.Proportion is { } p
        ? string.Create(C, $"{HtmlReporter.Percent(p.Lower)} to {HtmlReporter.Percent(p.Upper)}")
        : "-";

    public static string Threshold(GateResult g) =>
        g.Measured.Proportion is null ? HtmlReporter.Number(g.Gate.Threshold) : HtmlReporter.Percent(g.Gate.Threshold);

    public static string Budget(MetricValue m) => m.Budget is { } b ? HtmlReporter.Number(b) : "-";

    public static string Level(FindingLevel level) => CheckReportJson.LevelName(level);
}
