using AdvScan.Scanning.Tests;
using System.Text.Json;
using AdvScan.Cli;

namespace AdvScan.Checks.Tests.Patch;

/// <summary>
/// `advscan patch` and a patch entry in advscan.json on the signs fixtures: bad input exits 2 with one line, a gate on
/// patchSuccess fails the build with ADV1005 on its config line and in SARIF, the verb writes JSON and the patch PNG.
/// </summary>
public sealed class PatchCommandTests : IDisposable
{
    private static readonly string Model = Path.Combine(ModelFixture.Fixtures, "signs-cnn.onnx");
    private static readonly string Signs = Path.Combine(ModelFixture.Fixtures, "signs-test");
    private readonly string folder = Directory.CreateTempSubdirectory("advscan-patch-cli-").FullName;

    private static (int Exit, string Out, string Err) Advscan(params string[] args) => CliRun.Of(args);

    [Theory]
    [InlineData("--area 1.5", "option --area expects patch areas in (0,1)")]
    [InlineData("--area 0,0.1", "option --area expects patch areas in (0,1)")]
    [InlineData("--region 0,0,1.5,1", "lies outside the image")]
    [InlineData("--target 10", "target 10 is outside the model's 10 classes (0..9)")]
    [InlineData("--area 0.3 --region 0.3,0.3,0.7,0.7", "larger than the region [0.3, 0.3, 0.7, 0.7]")]
    public void Bad_patch_input_is_one_line_and_exit_code_2(string options, string problem)
    {
        var (exit, output, errors) = Advscan(["patch", "--model", Model, "--data", Signs, "--limit", "20", "--steps", "1", .. options.Split(' ')]);
        Assert.Equal(CliApp.BadInput, exit);
        // Progress lines may precede it (a target is checked against the model once it is loaded); one error line.
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error", StringComparison.Ordinal));
        Assert.Contains(problem, line);
        Assert.DoesNotContain(" at ", errors);
        Assert.DoesNotContain("success", output);
    }

    [Fact]
    public void A_patch_gate_in_advscan_json_fails_with_ADV1005_on_its_line_and_in_SARIF_and_a_bad_area_is_ADV2001_on_its_line()
    {
        var config = Path.Combine(folder, "advscan.json");
        File.WriteAllText(config, $$"""
            {
              "model": {{JsonSerializer.Serialize(Model)}},
              "data": { "path": {{JsonSerializer.Serialize(Signs)}} },
              "sample": { "size": 100, "seed": 3 },
              "attacks": [
                { "id": "sticker", "attack": "patch", "area": [0.1], "target": 1, "region": [0.2, 0.2, 0.8, 0.8], "steps": 30, "learningRate": 0.1, "imagesPerStep": 16, "drawsPerImage": 2 }
              ],
              "gates": [
                { "metric": "patchSuccess", "attack": "sticker", "area": 0.1, "max": 0.01 }
              ]
            }
            """);
        var sarif = Path.Combine(folder, "scan.sarif");
        var (exit, output, errors) = Advscan("scan", config, "--sarif", sarif, "--json", Path.Combine(folder, "scan.json"));
        Assert.True(exit == CliApp.CheckFailed, output + errors);
        Assert.Contains($"{config}(9,1): error ADV1005: patch success of sticker at area 0.1", output);
        var log = File.ReadAllText(sarif);
        Assert.Contains("\"ruleId\": \"ADV1005\"", log);
        Assert.Contains("PatchSuccessAboveThreshold", log);
        Assert.Contains("\"patchControlSuccess\"", File.ReadAllText(Path.Combine(folder, "scan.json")));

        File.WriteAllText(config, File.ReadAllText(config).Replace("\"area\": [0.1]", "\"area\": [1.2]"));
        (exit, _, errors) = Advscan("scan", config);
        Assert.Equal(CliApp.BadInput, exit);
        Assert.Contains($"{config}(6,1): error ADV2001: area 1.2 is outside", errors);
    }

    [Fact]
    public void The_patch_verb_prints_success_and_control_per_area_and_writes_the_report_and_the_patch()
    {
        var json = Path.Combine(folder, "patch.json");
        var png = Path.Combine(folder, "patch.png");
        var (exit, output, errors) = Advscan("patch", "--model", Model, "--data", Signs, "--limit", "60", "--steps", "3", "--target", "1",
            "--area", "0.05,0.1", "--shape", "circle", "--json", json, "--save-patch", png, "--save-examples", Path.Combine(folder, "examples"));
        Assert.True(exit == CliApp.Success, output + errors);
        Assert.Contains("patch     area 0.05: success", output);
        Assert.Contains("patch     area 0.1: success", output);
        Assert.Contains("random-patch control", output);
        var report = File.ReadAllText(json);
        Assert.Contains("\"patchSuccess\"", report);
        Assert.True(File.Exists(Path.Combine(folder, "patch-area0.05.png")) && File.Exists(Path.Combine(folder, "patch-area0.1.png")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(folder, "examples"), "*.png"));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
