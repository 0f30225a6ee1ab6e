using System.Text.Json;
using AdvScan.Cli;
using AdvScan.Onnx;
using AdvScan.Scanning;

namespace AdvScan.Data.Tests;

public sealed class EvaluationTests : IDisposable
{
    private readonly Fixtures _f = new();

    public void Dispose() => _f.Dispose();

    private static readonly (byte, byte, byte)[] Colours = [(200, 10, 10), (10, 200, 10), (10, 10, 200)];

    /// <summary>
    /// Ten solid images in folders red/green/blue; the brightest-channel model predicts each image's colour, so the
    /// seven filed under their own colour are right and the three filed elsewhere are wrong: accuracy 7/10 exactly.
    /// </summary>
    private (string Model, string Data) SevenOfTen()
    {
        var model = _f.BrightestChannelModel(metadata: b => b.Metadata(ModelMetadataKeys.Classes, "red,green,blue"));
        string[] folders = ["red", "green", "blue"];
        int[] colour = [0, 0, 0, 1, 1, 1, 2, 2, 2, 0];
        int[] filedAs = [0, 0, 1, 1, 1, 2, 2, 2, 0, 0]; // wrong at 2, 5, 8
        for (int i = 0; i < 10; i++) _f.Png($"set/{folders[filedAs[i]]}/{i}.png", 3, 3, Colours[colour[i]]);
        return (model, _f.PathOf("set"));
    }

    [Fact]
    public void Accuracy_is_what_onnx_runtime_predicts_with_per_class_breakdown()
    {
        var (model, data) = SevenOfTen();
        var report = Evaluation.Run(model, data, new EvaluationOptions(BatchSize: 3));
        Assert.Equal((10, 7), (report.Evaluated, report.Correct));
        Assert.Equal(["red", "green", "blue"], report.PerClass.Select(c => c.Name!));
        Assert.Equal([(4, 3), (3, 2), (3, 2)], report.PerClass.Select(c => (c.Count, c.Correct)));
    }

    [Fact]
    public void Wilson_interval_for_7_of_10_matches_the_published_value()
    {
        var (lower, upper) = Evaluation.WilsonInterval(7, 10);
        Assert.Equal(0.3968, lower, 4);
        Assert.Equal(0.8922, upper, 4);
    }

    [Fact]
    public void Wilson_interval_at_zero_successes_starts_at_zero_and_is_not_degenerate()
    {
        var (lower, upper) = Evaluation.WilsonInterval(0, 20);
        Assert.Equal(0, lower);
        Assert.Equal(0.1611, upper, 4);
    }

    [Fact]
    public void Cli_eval_writes_identical_json_on_every_run_without_throughput()
    {
        var (model, data) = SevenOfTen();
        var first = _f.PathOf("a.json");
        var second = _f.PathOf("b.json");
        var stdout = new StringWriter();
        Assert.Equal(0, CliApp.Run(["eval", "--model", model, "--data", data, "--json", first, "--batch", "4"], stdout, new StringWriter()));
        Assert.Equal(0, CliApp.Run(["eval", "--model", model, "--data", data, "--json", second, "--batch", "4"], new StringWriter(), new StringWriter()));
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        Assert.Contains("images/s", stdout.ToString());

        using var json = JsonDocument.Parse(File.ReadAllText(first));
        var root = json.RootElement;
        Assert.Equal(0.7, root.GetProperty("accuracy").GetDouble());
        Assert.Equal(0.3968, root.GetProperty("accuracy_ci95").GetProperty("lower").GetDouble(), 4);
        Assert.Equal(3, root.GetProperty("perClass").GetArrayLength());
        Assert.DoesNotContain("throughput", File.ReadAllText(first));
    }

    [Fact]
    public void Cli_eval_with_limit_evaluates_a_seeded_sample()
    {
        var (model, data) = SevenOfTen();
        var out1 = _f.PathOf("a.json");
        Assert.Equal(0, CliApp.Run(["eval", "--model", model, "--data", data, "--limit", "5", "--seed", "3", "--json", out1], new StringWriter(), new StringWriter()));
        using var json = JsonDocument.Parse(File.ReadAllText(out1));
        Assert.Equal(5, json.RootElement.GetProperty("evaluated").GetInt32());
    }

    [Fact]
    public void Cli_eval_reads_an_npy_pair_with_spec_options_from_the_command_line()
    {
        // Two 1x1 RGB images: with --channel-order bgr the model sees the channels reversed, so a pure
        // red pixel is predicted as class 2.
        var model = _f.BrightestChannelModel();
        var x = _f.Bytes("x.npy", Fixtures.Npy("|u1", [2, 1, 1, 3], [255, 0, 0, 0, 0, 255]));
        var y = _f.Bytes("y.npy", Fixtures.Npy("<i8", [2], Fixtures.Longs(2, 0)));
        var json = _f.PathOf("r.json");
        Assert.Equal(0, CliApp.Run(["eval", "--model", model, "--data", x, "--labels", y, "--channel-order", "bgr", "--mean", "0.1", "--json", json], new StringWriter(), new StringWriter()));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(1.0, doc.RootElement.GetProperty("accuracy").GetDouble());
    }

    [Fact]
    public void Cli_eval_label_outside_the_model_classes_exits_2_naming_the_row()
    {
        var model = _f.BrightestChannelModel();
        _f.Png("d/a.png", 2, 2, (1, 2, 3));
        var csv = _f.Text("d/list.csv", "path,label\na.png,1\na.png,5\n");
        var stderr = new StringWriter();
        Assert.Equal(2, CliApp.Run(["eval", "--model", model, "--data", csv], new StringWriter(), stderr));
        Assert.Contains($"{csv}(3)", stderr.ToString());
        Assert.Contains("outside the model's 3 classes", stderr.ToString());
    }

    [Fact]
    public void Cli_eval_of_a_model_that_cannot_take_the_images_exits_2()
    {
        var model = _f.BrightestChannelModel(height: 8, width: 8);
        _f.Png("set/a/x.png", 4, 4, (1, 2, 3));
        var stderr = new StringWriter();
        Assert.Equal(2, CliApp.Run(["eval", "--model", model, "--data", _f.PathOf("set")], new StringWriter(), stderr));
        Assert.Contains("8x8", stderr.ToString());
    }

    [Fact]
    public void Cli_eval_resizes_when_asked()
    {
        var model = _f.BrightestChannelModel(height: 8, width: 8);
        _f.Png("set/a/x.png", 4, 4, (200, 1, 1));
        Assert.Equal(0, CliApp.Run(["eval", "--model", model, "--data", _f.PathOf("set"), "--resize", "stretch"], new StringWriter(), new StringWriter()));
    }

    [Fact]
    public void Cli_eval_without_data_exits_2()
    {
        var model = _f.BrightestChannelModel();
        Assert.Equal(2, CliApp.Run(["eval", "--model", model], new StringWriter(), new StringWriter()));
    }
}
