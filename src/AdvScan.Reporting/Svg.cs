using System.Globalization;
using System.Text;
using AdvScan.Scanning;

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

        for (int i = 0; i <= 4; i++)
        {
            double v = i / 4.0;
            s.Append(C, $"<line x1=\"{Left}\" y1=\"{Y(v):0.##}\" x2=\"{Width - Right}\" y2=\"{Y(v):0.##}\" stroke=\"#eaeef2\"/>");
            s.Append(C, $"<text x=\"{Left - 6}\" y=\"{Y(v) + 4:0.##}\" font-size=\"11\" text-anchor=\"end\">{v * 100:0}%</text>\n");
        }
        foreach (var p in curve)
            s.Append(C, $"<text x=\"{X(p.Epsilon):0.##}\" y=\"{Height - Bottom + 16}\" font-size=\"11\" text-anchor=\"middle\">{p.Epsilon:0.###}</text>\n");
        s.Append(C, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 6}\" font-size=\"12\" text-anchor=\"middle\">eps</text>\n");
        s.Append(C, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"#57606a\"/><line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"#57606a\"/>\n");
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
}
