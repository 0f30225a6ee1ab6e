using System.Globalization;
using System.Text;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Reporting;

/// <summary>Inline SVG charts, drawn directly so the HTML report needs no script or external library.</summary>
internal static class Svg
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private const int Width = 420, Height = 280, Left = 50, Right = 15, Top = 15, Bottom = 40;

    /// <summary>Robust accuracy against eps with the 95% Wilson band, and clean accuracy as a dashed reference line.</summary>
    public static string RobustnessCurve(IReadOnlyList<RobustnessPoint> curve, Proportion clean)
    {
        var s = new StringBuilder();
        s.Append(C, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"robust accuracy against eps\">\n");
        double maxEps = curve.Count == 0 ? 1 : curve.Max(p => p.Epsilon);
        if (maxEps <= 0) maxEps = 1;
        double X(double eps) => Left + eps / maxEps * (Width - Left - Right);
        double Y(double acc) => Top + (1 - acc) * (Height - Top - Bottom);

        Grid(s, Y);
        foreach (var p in curve)
            s.Append(C, $"<text x=\"{X(p.Epsilon):0.##}\" y=\"{Height - Bottom + 16}\" font-size=\"11\" text-anchor=\"middle\">{p.Epsilon:0.###}</text>\n");
        s.Append(C, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 6}\" font-size=\"12\" text-anchor=\"middle\">eps</text>\n");
        Axes(s);
        s.Append(C, $"<line x1=\"{Left}\" y1=\"{Y(clean.Value):0.##}\" x2=\"{Width - Right}\" y2=\"{Y(clean.Value):0.##}\" stroke=\"#8c959f\" stroke-dasharray=\"4 3\"><title>clean accuracy</title></line>\n");
        if (curve.Count > 0)
        {
            var upper = curve.Select(p => $"{X(p.Epsilon).ToString("0.##", C)},{Y(p.RobustAccuracy.Upper).ToString("0.##", C)}");
            var lower = curve.Reverse().Select(p => $"{X(p.Epsilon).ToString("0.##", C)},{Y(p.RobustAccuracy.Lower).ToString("0.##", C)}");
            s.Append(C, $"<polygon points=\"{string.Join(" ", upper.Concat(lower))}\" fill=\"#54aeff\" fill-opacity=\"0.25\" stroke=\"none\"><title>95% confidence band</title></polygon>\n");
            var line = curve.Select(p => $"{X(p.Epsilon).ToString("0.##", C)},{Y(p.RobustAccuracy.Value).ToString("0.##", C)}");
            s.Append(C, $"<polyline points=\"{string.Join(" ", line)}\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\"/>\n");
            foreach (var p in curve)
                s.Append(C, $"<circle cx=\"{X(p.Epsilon):0.##}\" cy=\"{Y(p.RobustAccuracy.Value):0.##}\" r=\"3\" fill=\"#0969da\"><title>eps {p.Epsilon:0.####}: {p.RobustAccuracy.Value * 100:0.0}% ({p.RobustAccuracy.Successes}/{p.RobustAccuracy.Trials})</title></circle>\n");
        }
        s.Append("</svg>\n");
        return s.ToString();
    }

    /// <summary>The 0-100% horizontal grid with its labels, shared by every chart.</summary>
    private static void Grid(StringBuilder s, Func<double, double> y)
    {
        for (int i = 0; i <= 4; i++)
        {
            double v = i / 4.0;
            s.Append(C, $"<line x1=\"{Left}\" y1=\"{y(v):0.##}\" x2=\"{Width - Right}\" y2=\"{y(v):0.##}\" stroke=\"#eaeef2\"/>");
            s.Append(C, $"<text x=\"{Left - 6}\" y=\"{y(v) + 4:0.##}\" font-size=\"11\" text-anchor=\"end\">{v * 100:0}%</text>\n");
        }
    }

    /// <summary>The two axis lines.</summary>
    private static void Axes(StringBuilder s) =>
        s.Append(C, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"#57606a\"/><line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"#57606a\"/>\n");

    private static readonly string[] Palette = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bc4c00", "#57606a", "#bf3989", "#0a3069"];

    /// <summary>
    /// A check's chart: each series is the values of one metric and label with a budget, in budget order, against that
    /// budget on a shared axis, with the 95% band of proportions. Names come from the report and are escaped.
    /// </summary>
    public static string Chart(ReportChart chart, IReadOnlyList<MetricValue> metrics)
    {
        var lines = chart.Series.Select(series => (series, points: metrics
                .Where(m => m.Metric == series.Metric && m.Label == series.Label && m.Budget is not null && double.IsFinite(m.Value))
                .OrderBy(m => m.Budget).ToList()))
            .Where(l => l.points.Count > 0).ToList();
        var s = new StringBuilder();
        int legend = 16 * lines.Count;
        int height = Height + legend;
        s.Append(C, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-label=\"{HtmlReporter.E(chart.Title)}\">\n");
        var budgets = lines.SelectMany(l => l.points.Select(p => p.Budget!.Value)).Distinct().Order().ToList();
        double min = budgets.Count == 0 ? 0 : budgets[0], max = budgets.Count == 0 ? 1 : budgets[^1];
        if (max <= min) max = min + 1;
        double X(double b) => Left + (b - min) / (max - min) * (Width - Left - Right);
        double Y(double v) => Top + (1 - Math.Clamp(v, 0, 1)) * (Height - Top - Bottom);
        Grid(s, Y);
        foreach (var b in budgets)
            s.Append(C, $"<text x=\"{X(b):0.##}\" y=\"{Height - Bottom + 16}\" font-size=\"11\" text-anchor=\"middle\">{b:0.###}</text>\n");
        s.Append(C, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 6}\" font-size=\"12\" text-anchor=\"middle\">{HtmlReporter.E(chart.XTitle)}</text>\n");
        s.Append(C, $"<text x=\"12\" y=\"{(Top + Height - Bottom) / 2}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 {(Top + Height - Bottom) / 2})\">{HtmlReporter.E(chart.YTitle)}</text>\n");
        Axes(s);
        for (int k = 0; k < lines.Count; k++)
        {
            var (series, points) = lines[k];
            var color = Palette[k % Palette.Length];
            string At(double b, double v) => $"{X(b).ToString("0.##", C)},{Y(v).ToString("0.##", C)}";
            if (points.All(p => p.Proportion is not null))
            {
                var band = points.Select(p => At(p.Budget!.Value, p.Proportion!.Value.Upper))
                    .Concat(points.AsEnumerable().Reverse().Select(p => At(p.Budget!.Value, p.Proportion!.Value.Lower)));
                s.Append(C, $"<polygon points=\"{string.Join(" ", band)}\" fill=\"{color}\" fill-opacity=\"0.12\" stroke=\"none\"><title>95% confidence band</title></polygon>\n");
            }
            s.Append(C, $"<polyline points=\"{string.Join(" ", points.Select(p => At(p.Budget!.Value, p.Value)))}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>\n");
            foreach (var p in points)
                s.Append(C, $"<circle cx=\"{X(p.Budget!.Value):0.##}\" cy=\"{Y(p.Value):0.##}\" r=\"3\" fill=\"{color}\"><title>{HtmlReporter.E(series.Name)} at {p.Budget:0.####}: {HtmlReporter.E(MetricText.Value(p))}</title></circle>\n");
            int y = Height + 12 + 16 * k;
            s.Append(C, $"<line x1=\"{Left}\" y1=\"{y - 4}\" x2=\"{Left + 18}\" y2=\"{y - 4}\" stroke=\"{color}\" stroke-width=\"2\"/><text x=\"{Left + 24}\" y=\"{y}\" font-size=\"11\">{HtmlReporter.E(series.Name)}</text>\n");
        }
        s.Append("</svg>\n");
        return s.ToString();
    }
}
