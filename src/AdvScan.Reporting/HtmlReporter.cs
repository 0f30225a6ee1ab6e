using System.Globalization;
using System.Net;
using System.Text;
using AdvScan.Attacks;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Reporting;

/// <summary>
/// `--html FILE`: one self-contained page for people (no scripts, no external resources): gate summary, a robustness
/// curve per attack drawn as inline SVG with its 95% band, a gallery of clean / adversarial / amplified perturbation
/// images as PNG data: URIs, and per-class accuracy. Every string taken from the report is HTML-escaped.
/// </summary>
public sealed class HtmlReporter : IReporter
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public string Format => "html";

    public async Task WriteAsync(ScanReport report, Stream output, CancellationToken cancellationToken = default)
    {
        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(Render(report));
        await output.WriteAsync(bytes, cancellationToken);
    }

    internal static string Render(ScanReport report)
    {
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.Append(C, $"<title>AdvScan report: {E(Path.GetFileName(report.ModelFile))}</title>\n<style>\n{Css}</style>\n</head>\n<body>\n");
        var verdict = report.Passed ? "<span class=\"badge pass\">PASSED</span>" : "<span class=\"badge fail\">FAILED</span>";
        h.Append(C, $"<h1>AdvScan report {verdict}</h1>\n");
        h.Append("<table class=\"meta\">\n");
        Row(h, "Model", report.ModelFile);
        Row(h, "Model SHA-256", report.ModelSha256);
        Row(h, "Config", report.ConfigFile ?? "(configured in code)");
        Row(h, "Data", report.Data);
        Row(h, "Examples", report.Sequential is { } q
            ? string.Create(C, $"{report.Examples} of a sample of {q.SampleSize} (sequential: stopped when every gate was settled at {q.Confidence:0.###} confidence)")
            : report.Examples.ToString(C));
        Row(h, "Seed", report.Seed.ToString(C));
        Row(h, "Device", report.Device);
        Row(h, "AdvScan", report.ToolVersion);
        Row(h, "Clean accuracy", $"{Percent(report.CleanAccuracy.Value)} (95% CI {Percent(report.CleanAccuracy.Lower)} to {Percent(report.CleanAccuracy.Upper)}, {report.CleanAccuracy.Successes}/{report.CleanAccuracy.Trials})");
        h.Append("</table>\n");

        WriteGates(h, report);
        WriteCurves(h, report);
        WriteGallery(h, report);
        WritePerClass(h, report);
        CheckSectionHtml.Write(h, report);
        h.Append("</body>\n</html>\n");
        return h.ToString();
    }

    private static void WriteGates(StringBuilder h, ScanReport report)
    {
        h.Append("<h2>Gates</h2>\n");
        if (report.Gates.Count == 0) { h.Append("<p>No gates are configured.</p>\n"); return; }
        h.Append("<table>\n<tr><th>Status</th><th>Rule</th><th>Gate</th><th>Measured</th><th>95% CI</th><th>Threshold</th><th>Line</th><th>Details</th></tr>\n");
        foreach (var g in report.Gates)
        {
            var status = ScanReportJson.StatusName(g.Status);
            h.Append(C, $"<tr><td><span class=\"badge {status}\">{status.ToUpperInvariant()}</span></td>");
            h.Append(C, $"<td title=\"{E(g.Rule.ShortDescription)}\">{E(g.Rule.Id)}</td><td>{E(g.Gate.Id)}</td>");
            h.Append(C, $"<td class=\"num\">{E(MetricText.Value(g.Measured))}</td><td class=\"num\">{E(MetricText.Interval(g.Measured))}</td>");
            h.Append(C, $"<td class=\"num\">{(g.Gate.Min is not null ? "&ge; " : "&le; ")}{MetricText.Threshold(g)}</td>");
            h.Append(C, $"<td class=\"num\">{g.Gate.Line}</td><td>{E(g.Message)}</td></tr>\n");
        }
        h.Append("</table>\n");
        if (report.Sequential is null) return;
        // A sequential scan: each gate's anytime-valid interval when the scan stopped, and why it stopped.
        h.Append("<table>\n<tr><th>Gate</th><th>Stopped</th><th>Examples used</th><th>Confidence sequence</th></tr>\n");
        foreach (var g in report.Gates)
        {
            var q = g.Sequential;
            h.Append(C, $"<tr><td>{E(g.Gate.Id)}</td><td>{(q is null ? "not sequential (ran the whole sample)" : ScanReportJson.StopName(q.Stop))}</td>");
            h.Append(C, $"<td class=\"num\">{(q is null ? report.Examples : q.ExamplesUsed)}</td>");
            h.Append(q is null ? "<td></td></tr>\n" : string.Create(C, $"<td class=\"num\">{Percent(q.Lower)} to {Percent(q.Upper)} ({q.Confidence:0.###})</td></tr>\n"));
        }
        h.Append("</table>\n");
    }

    /// <summary>
    /// Every attack's robust accuracy against its budget on one chart per threat model (L-inf, L2, ...), each with its
    /// 95% band, above the per-attack detail: which attack is strongest at which budget is read at a glance.
    /// </summary>
    private static void WriteOverview(StringBuilder h, ScanReport report)
    {
        foreach (var norm in report.Attacks.GroupBy(a => a.Result.Norm).Where(g => g.Count() > 1))
        {
            var name = NormNames.Of(norm.Key);
            var series = norm.Select(a => new ChartSeries(a.Config.Id, "robustAccuracy", a.Config.Id)).ToList();
            var values = norm.SelectMany(a => a.Result.Curve.Select(p => MetricValue.Of("robustAccuracy", p.RobustAccuracy, p.Epsilon, a.Config.Id))).ToList();
            h.Append("<figure class=\"curve overview\">\n");
            h.Append(Svg.Chart(new ReportChart($"robust accuracy of every {name} attack", $"eps ({name})", "robust accuracy", series), values));
            h.Append(C, $"<figcaption>Every {E(name)} attack on the same axes, with its 95% band (clean accuracy {Percent(report.CleanAccuracy.Value)}).</figcaption>\n</figure>\n");
        }
    }

    private static void WriteCurves(StringBuilder h, ScanReport report)
    {
        if (report.Attacks.Count == 0) return;
        h.Append("<h2>Robustness curves</h2>\n");
        WriteOverview(h, report);
        h.Append("<div class=\"curves\">\n");
        foreach (var attack in report.Attacks)
        {
            var c = attack.Config;
            h.Append("<figure class=\"curve\">\n");
            h.Append(Svg.RobustnessCurve(attack.Result.Curve, report.CleanAccuracy));
            h.Append(C, $"<figcaption><b>{E(c.Id)}</b>: {E(c.Attack)}, {E(attack.Description)}");
            if (attack.TransferRate is { } t) h.Append(C, $", transfer rate {Percent(t)}");
            h.Append("</figcaption>\n<table>\n<tr><th>eps</th><th>Robust accuracy</th><th>95% CI</th><th>Attack success</th><th>Mean / median norm</th><th>Runtime disagreements</th></tr>\n");
            foreach (var p in attack.Result.Curve)
            {
                h.Append(C, $"<tr><td class=\"num\">{Number(p.Epsilon)}</td><td class=\"num\">{Percent(p.RobustAccuracy.Value)}</td>");
                h.Append(C, $"<td class=\"num\">{Percent(p.RobustAccuracy.Lower)} to {Percent(p.RobustAccuracy.Upper)}</td><td class=\"num\">{Percent(p.AttackSuccess.Value)}</td>");
                // No broken example has no perturbation size: "none", not an invented 0.0000.
                h.Append(C, $"<td class=\"num\">{(p.AttackSuccess.Successes == 0 ? "none" : string.Create(C, $"{p.MeanPerturbation:0.0000} / {p.MedianPerturbation:0.0000}"))}</td><td class=\"num\">{p.RuntimeDisagreements}</td></tr>\n");
            }
            h.Append("</table>\n</figure>\n");
        }
        h.Append("</div>\n");
    }

    private static void WriteGallery(StringBuilder h, ScanReport report)
    {
        h.Append("<h2>Adversarial examples</h2>\n");
        if (report.Gallery.Count == 0) { h.Append("<p>No examples were kept.</p>\n"); return; }
        h.Append("<p>Each row: the clean input, the adversarial input, and the perturbation amplified so that its largest change is black or white (grey is unchanged). Verdicts are ONNX Runtime's.</p>\n");
        h.Append("<table class=\"gallery\">\n<tr><th>Label</th><th>Clean</th><th>Adversarial</th><th>Perturbation (amplified)</th></tr>\n");
        foreach (var example in report.Gallery)
        {
            var (height, width, channels) = ImageEncoding.Geometry(example);
            var perturbation = ImageEncoding.AmplifiedPerturbation(example.Clean, example.Adversarial);
            bool fooled = example.AdversarialPrediction != example.Label;
            h.Append(C, $"<tr><td>{E(ClassName(report, example.Label))}</td>");
            Image(h, example.Clean, height, width, channels, "clean input", $"{ClassName(report, example.CleanPrediction)} ({Percent(example.CleanConfidence)})", example.CleanPrediction != example.Label);
            Image(h, example.Adversarial, height, width, channels, "adversarial input", $"{ClassName(report, example.AdversarialPrediction)} ({Percent(example.AdversarialConfidence)})", fooled);
            Image(h, perturbation, height, width, channels, "amplified perturbation", "", false);
            h.Append("</tr>\n");
        }
        h.Append("</table>\n");
    }

    private static void Image(StringBuilder h, float[] pixels, int height, int width, int channels, string alt, string caption, bool wrong)
    {
        var png = Convert.ToBase64String(ImageEncoding.Png(pixels, height, width, channels));
        h.Append(C, $"<td><img src=\"data:image/png;base64,{png}\" width=\"96\" height=\"{96 * height / Math.Max(1, width)}\" alt=\"{E(alt)}\">");
        if (caption.Length > 0) h.Append(C, $"<br><span class=\"{(wrong ? "wrong" : "right")}\">{E(caption)}</span>");
        h.Append("</td>");
    }

    private static void WritePerClass(StringBuilder h, ScanReport report)
    {
        h.Append("<h2>Per-class accuracy</h2>\n");
        if (report.PerClass.Count == 0) { h.Append("<p>No per-class figures.</p>\n"); return; }
        h.Append("<table>\n<tr><th>Class</th><th>Name</th><th>Clean accuracy</th><th>Robust accuracy (strongest budget)</th><th>95% CI (robust)</th><th>Examples</th></tr>\n");
        foreach (var c in report.PerClass)
        {
            h.Append(C, $"<tr><td class=\"num\">{c.Class}</td><td>{E(c.Name)}</td><td class=\"num\">{Percent(c.Clean.Value)}</td>");
            if (c.Robust is { } r)
                h.Append(C, $"<td class=\"num\"><span class=\"bar\" style=\"width:{r.Value * 100:0.#}px\"></span>{Percent(r.Value)}</td><td class=\"num\">{Percent(r.Lower)} to {Percent(r.Upper)}</td>");
            else h.Append("<td>-</td><td>-</td>");
            h.Append(C, $"<td class=\"num\">{c.Clean.Trials}</td></tr>\n");
        }
        h.Append("</table>\n");
    }

    private static string ClassName(ScanReport report, int index) =>
        index >= 0 && index < report.ClassNames.Count ? report.ClassNames[index] : index.ToString(C);

    private static void Row(StringBuilder h, string name, string value) => h.Append(C, $"<tr><th>{E(name)}</th><td>{E(value)}</td></tr>\n");

    /// <summary>
    /// Report text, names from the model, data and config included: control and bidi characters made visible (a bidi
    /// override would reorder what a reviewer reads), cut at <see cref="MaxText"/> characters, then HTML-encoded.
    /// </summary>
    internal static string E(string text) => WebUtility.HtmlEncode(UntrustedText.Escape(text, MaxText));

    /// <summary>The longest text a report shows whole (messages and descriptions fit; a 50 MB class name does not).</summary>
    internal const int MaxText = 2000;

    internal static string Percent(double value) => (value * 100).ToString("0.0", C) + "%";

    internal static string Number(double value) => value.ToString("0.####", C);

    private const string Css = """
        body { font-family: system-ui, sans-serif; margin: 2em; color: #1f2328; max-width: 1200px; }
        h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #d0d7de; }
        table { border-collapse: collapse; margin: 0.5em 0; }
        th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; font-size: 0.9em; }
        th { background: #f6f8fa; }
        table.meta td { font-family: ui-monospace, monospace; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 0.8em; font-weight: bold; color: #fff; }
        .badge.pass { background: #1a7f37; } .badge.near { background: #bf8700; } .badge.fail { background: #cf222e; }
        .curves { display: flex; flex-wrap: wrap; gap: 2em; }
        figure.curve { margin: 0; } figcaption { margin: 0.3em 0; }
        table.gallery img { image-rendering: pixelated; border: 1px solid #d0d7de; }
        .wrong { color: #cf222e; font-weight: bold; } .right { color: #1a7f37; }
        .bar { display: inline-block; height: 0.7em; background: #54aeff; margin-right: 6px; }

        """;
}
