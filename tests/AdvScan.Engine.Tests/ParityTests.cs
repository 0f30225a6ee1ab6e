using AdvScan.Cli;
using AdvScan.Scanning;

namespace AdvScan.Engine.Tests;

public class ParityTests
{
    [Fact]
    public void Small_cnn_with_shape_subgraph_matches_onnx_runtime()
    {
        var path = TestModels.WriteTemp(TestModels.SmallCnn(), "cnn.onnx");
        var report = ModelCheck.Run(path);
        Assert.True(report.ParityHolds, $"max abs diff {report.MaxAbsoluteDifference}");
        Assert.True(report.GradientsFlow);
        Assert.Equal(new long[] { 2, 3 }, report.OutputShape);
    }

    [Fact]
    public void Model_check_cli_exits_zero_and_prints_histogram()
    {
        var path = TestModels.WriteTemp(TestModels.SmallCnn(), "cnn.onnx");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(["model", "check", path], stdout, stderr);
        Assert.True(code == 0, stdout.ToString() + stderr);
        Assert.Contains("Conv x2", stdout.ToString());
        Assert.Contains("parity:       holds", stdout.ToString());
    }
}
