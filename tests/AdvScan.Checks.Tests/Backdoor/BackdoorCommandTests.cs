using AdvScan.Data;
using System.Text.Json;
using AdvScan.Checks.Backdoor;
using AdvScan.Cli;
using AdvScan.Training;

namespace AdvScan.Checks.Tests.Backdoor;

/// <summary>The backdoor verbs end to end through the CLI entry point: advscan backdoor, advscan strip, advscan harden --unlearn.</summary>
public sealed class BackdoorCommandTests : IDisposable
{
    private static readonly string Digits = ZooContext.PathOf("mnist-test-images-idx3-ubyte");
    private static readonly string DigitLabels = ZooContext.PathOf("mnist-test-labels-idx1-ubyte");
    private static readonly string Truth = ZooContext.PathOf("mnist-badnets.backdoor.json");
    private readonly string folder = Path.Combine(Path.GetTempPath(), "advscan-backdoor-cli", Guid.NewGuid().ToString("N"));

    public BackdoorCommandTests() => Directory.CreateDirectory(folder);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Backdoor_verb_flags_class_7_of_mnist_badnets_exits_1_and_writes_json_listing_it_and_html_with_the_trigger()
    {
        // The same sample, seed and budget as MnistBadnetsCleanse. (With --sample 100, class 7 read 1.95 on the paper's raw
        // index, just under its threshold, and 6.5 on the log norms the check flags on.)
        var json = Path.Combine(folder, "nc.json");
        var html = Path.Combine(folder, "nc.html");
        var (code, output, error) = Run("backdoor", "--model", ZooContext.PathOf("mnist-badnets.onnx"), "--data", Digits, "--labels", DigitLabels,
            "--sample", "200", "--images", "50", "--epochs", "40", "--batch-size", "10", "--patience", "2", "--seed", "7", "--json", json, "--html", html);
        Assert.True(code == 1, output + error);
        Assert.Contains("ADV1007: class 7 (7) is a likely backdoor target", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var check = doc.RootElement.GetProperty("checks")[0];
        var finding = check.GetProperty("findings")[0];
        Assert.Equal([7], finding.GetProperty("classes").EnumerateArray().Select(c => c.GetInt32()));
        Assert.Contains("recovered trigger, class 7 (7), flagged", File.ReadAllText(html));
    }

    [Fact]
    public void Backdoor_verb_twice_with_the_same_seed_writes_byte_identical_json_and_sarif()
    {
        string[] Args(string name) => ["backdoor", "--model", ZooContext.PathOf("mnist-badnets.onnx"), "--data", Digits, "--labels", DigitLabels,
            "--sample", "60", "--images", "20", "--epochs", "3", "--batch-size", "10", "--seed", "3",
            "--json", Path.Combine(folder, name + ".json"), "--sarif", Path.Combine(folder, name + ".sarif")];
        Run(Args("a"));
        Run(Args("b"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "a.json")), File.ReadAllBytes(Path.Combine(folder, "b.json")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "a.sarif")), File.ReadAllBytes(Path.Combine(folder, "b.sarif")));
    }

    [Fact]
    public void Backdoor_verb_with_fewer_sampled_images_than_twice_the_classes_exits_2_with_one_line()
    {
        var (code, _, error) = Run("backdoor", "--model", ZooContext.PathOf("mnist-badnets.onnx"), "--data", Digits, "--labels", DigitLabels, "--sample", "12");
        Assert.Equal(2, code);
        Assert.Contains("at least as many clean images as classes (10)", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void Strip_verb_marks_stamped_digits_as_triggered_and_clean_ones_mostly_not()
    {
        var truth = BackdoorGroundTruth.Load(Truth);
        var digits = IdxFormat.Read(Digits, DigitLabels, Architectures.MnistClasses);
        var suspects = digits.Subset(Enumerable.Range(0, 100).Select(i => i * 10 + 1).Where(i => digits.Labels[i] != 7).ToArray());
        var stamped = truth.Trigger.StampAll(suspects);
        var images = Path.Combine(folder, "suspect-images-idx3-ubyte");
        IdxFormat.Write(stamped, images, Path.Combine(folder, "suspect-labels-idx1-ubyte"));
        var json = Path.Combine(folder, "strip.json");

        var (code, output, error) = Run("strip", "--model", ZooContext.PathOf("mnist-badnets.onnx"), "--calibration", Digits, "--calibration-labels", DigitLabels,
            "--inputs", images, "--inputs-labels", Path.Combine(folder, "suspect-labels-idx1-ubyte"), "--json", json);

        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var marks = doc.RootElement.GetProperty("marks").EnumerateArray().Select(m => m.GetProperty("trigger").GetBoolean()).ToList();
        Assert.Equal(stamped.Count, marks.Count);
        Assert.True(marks.Count(m => m) >= 0.9 * marks.Count, output);
        Assert.True(doc.RootElement.GetProperty("calibrationFalseRejection").GetDouble() <= 0.05);
    }

    [Fact]
    public void Strip_verb_with_a_calibration_set_of_another_input_shape_exits_2_naming_it()
    {
        var (code, _, error) = Run("strip", "--model", ZooContext.PathOf("mnist-badnets.onnx"), "--calibration", ZooContext.PathOf("signs-test"),
            "--inputs", Digits, "--inputs-labels", DigitLabels);
        Assert.Equal(2, code);
        Assert.Contains("signs-test", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void Harden_unlearn_with_the_known_trigger_writes_a_model_whose_trigger_success_falls_below_10_percent()
    {
        var output = Path.Combine(folder, "unlearned.onnx");
        var json = Path.Combine(folder, "unlearn.json");
        var (code, text, error) = Run("harden", "--unlearn", "--model", ZooContext.PathOf("mnist-badnets.onnx"), "--data", Digits, "--labels", DigitLabels,
            "--truth", Truth, "--out", output, "--json", json, "--seed", "2");
        Assert.True(code == 0, text + error);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var before = doc.RootElement.GetProperty("before");
        var after = doc.RootElement.GetProperty("after");
        Assert.True(before.GetProperty("triggerSuccess").GetDouble() > 0.95);
        Assert.True(after.GetProperty("triggerSuccess").GetDouble() < 0.10, text);
        Assert.True(before.GetProperty("cleanAccuracy").GetDouble() - after.GetProperty("cleanAccuracy").GetDouble() < 0.02, text);
        Assert.True(File.Exists(output));
    }

    private string Config(string checks, string gates)
    {
        var path = Path.Combine(folder, "backdoor.advscan.json");
        File.WriteAllText(path, $$"""
            {
              "model": "{{ZooContext.PathOf("mnist-badnets.onnx").Replace("\\", "/")}}",
              "data": { "path": "{{Digits.Replace("\\", "/")}}", "labels": "{{DigitLabels.Replace("\\", "/")}}" },
              "sample": { "size": 200, "seed": 7 },
              "checks": [
                {{checks}}
              ],
              "gates": [
                {{gates}}
              ]
            }
            """);
        return path;
    }

    [Fact]
    public void Scan_config_runs_strip_on_the_known_trigger_and_neural_cleanse_under_checks_and_gates_their_metrics()
    {
        var config = Config("""
                { "check": "strip", "id": "strip", "truth": "__TRUTH__", "overlays": 10, "falseRejection": 0.05, "calibration": 100 },
                { "check": "neural-cleanse", "id": "nc", "images": 20, "epochs": 2, "batchSize": 10 }
            """.Replace("__TRUTH__", Truth.Replace("\\", "/")), """
                { "metric": "stripDetection", "check": "strip", "min": 0.9 },
                { "metric": "backdoorAnomalyIndex", "check": "nc", "max": 1000 },
                { "metric": "backdoorFlaggedClasses", "check": "nc", "max": 10 }
            """);
        var json = Path.Combine(folder, "scan.json");
        var (code, output, error) = Run("scan", config, "--json", json, "--plain-progress");
        Assert.True(code == 0, output + error);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var checks = doc.RootElement.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(["strip", "nc"], checks.Select(c => c.GetProperty("id").GetString()));
        Assert.Equal(3, doc.RootElement.GetProperty("gates").GetArrayLength());
    }

    [Fact]
    public void An_unknown_neural_cleanse_key_in_the_config_exits_2_on_its_line()
    {
        var config = Config("""{ "check": "neural-cleanse", "imags": 20 }""", """{ "metric": "backdoorFlaggedClasses", "max": 0 }""");
        var (code, _, error) = Run("scan", config);
        Assert.Equal(2, code);
        Assert.Contains("unknown property \"imags\"", error);
        Assert.Contains("(6,1)", error);
    }

    public void Dispose()
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}
