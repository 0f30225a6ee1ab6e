using System.Text.RegularExpressions;
using AdvScan.Scanning;
using SkiaSharp;

namespace AdvScan.Reporting.Tests;

public class HtmlReporterTests
{
    private static Task<string> HtmlAsync(ScanReport report) => ReporterOutput.TextAsync(new HtmlReporter(), report);

    private static List<byte[]> Pngs(string html) =>
        Regex.Matches(html, "data:image/png;base64,([A-Za-z0-9+/=]+)").Select(m => Convert.FromBase64String(m.Groups[1].Value)).ToList();

    [Fact]
    public async Task Every_attack_of_a_threat_model_is_drawn_on_one_chart_above_the_per_attack_detail()
    {
        var report = SampleReports.Full();
        var pgd = report.Attacks.Single(a => a.Config.Attack == "pgd");
        var weaker = pgd with { Config = pgd.Config with { Id = "pgd-weak" } };
        var html = await ReporterOutput.TextAsync(new HtmlReporter(), report with { Attacks = [.. report.Attacks, weaker] });

        int overview = html.IndexOf("robust accuracy of every linf attack", StringComparison.Ordinal);
        Assert.True(overview > 0);
        Assert.True(overview < html.IndexOf("<div class=\"curves\">", StringComparison.Ordinal), "the overview comes before the per-attack figures");
        var figure = html[overview..html.IndexOf("</figure>", overview, StringComparison.Ordinal)];
        // One line and one band per L-inf attack, a legend entry each; the lone L2 attack gets no overview of its own.
        Assert.Equal(2, figure.Split("<polyline").Length - 1);
        Assert.Equal(2, figure.Split("<polygon").Length - 1);
        Assert.Contains(">pgd-weak</text>", figure);
        Assert.DoesNotContain("every l2 attack", html);
    }

    [Fact]
    public async Task Identical_reports_give_identical_bytes()
    {
        Assert.Equal(await ReporterOutput.BytesAsync(new HtmlReporter(), SampleReports.Full()), await ReporterOutput.BytesAsync(new HtmlReporter(), SampleReports.Full()));
    }

    [Fact]
    public async Task Every_gallery_example_shows_clean_adversarial_and_perturbation_images()
    {
        Assert.Equal(3 * SampleReports.Gallery().Count, Pngs(await HtmlAsync(SampleReports.Full())).Count);
    }

    [Fact]
    public async Task Grayscale_images_decode_to_the_clean_pixels()
    {
        using var bitmap = SKBitmap.Decode(Pngs(await HtmlAsync(SampleReports.Full()))[0]);
        var clean = SampleReports.Gallery()[0].Clean;
        Assert.Equal((28, 28), (bitmap.Width, bitmap.Height));
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
                Assert.Equal((byte)MathF.Round(clean[y * 28 + x] * 255), bitmap.GetPixel(x, y).Red);
    }

    [Fact]
    public async Task Rgb_images_keep_their_channels()
    {
        using var bitmap = SKBitmap.Decode(Pngs(await HtmlAsync(SampleReports.Full()))[6]);
        var clean = SampleReports.Gallery()[2].Clean;
        Assert.Equal((32, 32), (bitmap.Width, bitmap.Height));
        var pixel = bitmap.GetPixel(31, 0);
        Assert.Equal(((byte)MathF.Round(clean[31] * 255), (byte)MathF.Round(clean[1024 + 31] * 255), (byte)MathF.Round(clean[2048 + 31] * 255)), (pixel.Red, pixel.Green, pixel.Blue));
    }

    [Fact]
    public async Task Amplified_perturbation_maps_the_largest_change_to_black_and_white()
    {
        using var bitmap = SKBitmap.Decode(Pngs(await HtmlAsync(SampleReports.Full()))[8]);
        var values = Enumerable.Range(0, 32 * 32).Select(i => bitmap.GetPixel(i % 32, i / 32).Red).ToList();
        Assert.Contains((byte)0, values);
        Assert.Contains((byte)255, values);
    }

    [Fact]
    public async Task Strings_from_the_report_are_escaped()
    {
        var hostile = SampleReports.Full() with { ClassNames = ["<script>alert(1)</script>", "one"], ModelFile = "/repo/\"><img src=x onerror=alert(2)>.onnx" };
        var html = await HtmlAsync(hostile);
        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("<img src=x", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
    }

    [Fact]
    public async Task Page_is_self_contained()
    {
        var html = await HtmlAsync(SampleReports.Full());
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.Empty(Regex.Matches(html, "(src|href)=\"(?!data:)"));
    }

    [Fact]
    public async Task Each_attack_gets_a_curve_with_its_confidence_band()
    {
        var html = await HtmlAsync(SampleReports.Full());
        Assert.Equal(2, Regex.Matches(html, "<svg ").Count);
        Assert.Equal(2, Regex.Matches(html, "95% confidence band").Count);
    }

    [Fact]
    public async Task Gates_show_a_badge_per_status()
    {
        var html = await HtmlAsync(SampleReports.Full());
        Assert.Equal(2, Regex.Matches(html, "<span class=\"badge pass\">PASS</span>").Count);
        Assert.Single(Regex.Matches(html, "<span class=\"badge near\">NEAR</span>"));
        Assert.Single(Regex.Matches(html, "<span class=\"badge fail\">FAIL</span>"));
    }

    [Fact]
    public async Task Per_class_table_lists_every_class_with_robust_accuracy()
    {
        var html = await HtmlAsync(SampleReports.Full());
        Assert.Contains("<td>zero</td>", html);
        Assert.Contains($"{HtmlReporter.Percent(Proportion.Of(20, 80).Value)}</td>", html);
    }

    /// <summary>
    /// Writes the sample page into the test output folder with the async file path the CLI uses, so that
    /// tools/render-report.sh can screenshot it in a headless browser.
    /// </summary>
    [Fact]
    public async Task Sample_page_written_to_a_file_equals_the_stream_output()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "sample-report.html");
        await using (var file = File.Create(path)) await new HtmlReporter().WriteAsync(SampleReports.Full(), file);
        Assert.Equal(await ReporterOutput.BytesAsync(new HtmlReporter(), SampleReports.Full()), await File.ReadAllBytesAsync(path));
    }
}
