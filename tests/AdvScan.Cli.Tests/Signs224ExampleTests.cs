using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AdvScan.Cli;
using AdvScan.Data;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning.Tests;

namespace AdvScan.Cli.Tests;

/// <summary>
/// examples/signs224 (a 224x224 ImageNet-style model scanned through resize center-crop and the config's mean/std)
/// scans end to end, with its own spec section and a small budget: every one of its 50 JPEGs, FGSM at one budget.
/// </summary>
public sealed partial class Signs224ExampleTests : IDisposable
{
    private static readonly string Example = Path.Combine(ConfigFiles.RepositoryRoot, "examples", "signs224");
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void The_example_scans_end_to_end_and_its_clean_accuracy_is_onnx_runtimes_on_the_config_normalised_crops()
    {
        // The example's own config, pointed at its model and images from a temporary folder, with a smaller budget.
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Example, "signs224.advscan.json")))!.AsObject();
        config.Remove("$schema");
        config.Remove("sample");
        config["model"] = Path.Combine(Example, "signs224.onnx");
        config["data"] = new JsonObject { ["path"] = Path.Combine(Example, "images") };
        config["attacks"] = JsonNode.Parse("""[ { "id": "fgsm", "attack": "fgsm", "eps": [0.0004] } ]""");
        config["gates"] = JsonNode.Parse("""[ { "metric": "cleanAccuracy", "min": 0.4 } ]""");
        var path = _files.WriteRaw("signs224.advscan.json", config.ToJsonString());

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = CliApp.Run(["scan", path, "--plain-progress"], stdout, stderr);
        var output = stdout.ToString();
        Assert.True(exit == CliApp.Success, output + stderr);
        Assert.Contains("(50 examples, 3 channel(s), 224x224, resize center-crop, rgb, nchw, scale 1, mean 0.485,0.456,0.406, std 0.229,0.224,0.225)", output);

        // Oracle: ONNX Runtime on the same crops, normalised here with the config's mean and std.
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        var model = OnnxModel.Load(Path.Combine(Example, "signs224.onnx"));
        using var data = Datasets.Open(Path.Combine(Example, "images"),
            new DatasetOptions(Resize: ResizePolicy.CenterCrop, Height: 224, Width: 224, ClassNames: ModelConventions.ClassNamesOf(model)));
        using var session = ReferenceSession.Open(model);
        int correct = 0;
        foreach (var batch in data.ReadBatches(Enumerable.Range(0, data.Count).ToList(), 25))
        {
            var x = batch.Pixels.ToArray();
            for (int i = 0; i < x.Length; i++)
            {
                int c = i / (224 * 224) % 3;
                x[i] = (x[i] - mean[c]) / std[c];
            }
            var logits = session.RunFirst(new HostTensor(x, batch.Shape)).Data;
            int classes = logits.Length / batch.Count;
            for (int r = 0; r < batch.Count; r++)
                if (Enumerable.Range(0, classes).MaxBy(k => logits[r * classes + k]) == batch.Labels[r]) correct++;
        }
        var clean = CleanLine().Match(output);
        Assert.True(clean.Success, output);
        Assert.Equal(correct, int.Parse(clean.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal("50", clean.Groups[2].Value);
        // FGSM cannot raise accuracy above clean: every adversarial verdict is ONNX Runtime's on a correctly classified image.
        var fgsm = FgsmLine().Match(output);
        Assert.True(fgsm.Success, output);
        Assert.InRange(int.Parse(fgsm.Groups[1].Value, CultureInfo.InvariantCulture), 0, correct);
    }

    [GeneratedRegex(@"clean:\s+[0-9.]+ % \((\d+)/(\d+),")]
    private static partial Regex CleanLine();

    [GeneratedRegex(@"fgsm\s+eps 0\.0004: robust [0-9.]+ % \((\d+)/50,")]
    private static partial Regex FgsmLine();
}
