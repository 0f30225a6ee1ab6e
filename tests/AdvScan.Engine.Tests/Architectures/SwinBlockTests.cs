using AdvScan.Engine.Tests.Gradients;
using AdvScan.Onnx;
using AdvScan.Scanning;

namespace AdvScan.Engine.Tests.Architectures;

/// <summary>The shifted-window block swin_t is made of (ScatterND-built mask, training-mode Dropout) imports and is exact.</summary>
public class SwinBlockTests
{
    [Fact]
    public void Swin_style_shifted_window_block_matches_onnx_runtime_and_its_input_gradients_flow()
    {
        var path = TestModels.WriteTemp(SwinBlock.Build(OnnxDataType.Float, "batch"), "swin-block.onnx");
        var report = ModelCheck.Run(path, new ModelCheckOptions(BatchSize: 3));
        Assert.True(report.ParityHolds, $"max abs {report.MaxAbsoluteDifference:G3}, max rel {report.MaxRelativeDifference:G3}");
        Assert.True(report.GradientsFlow);
        Assert.Equal(9, report.OpHistogram["ScatterND"]);
        Assert.Equal(1, report.OpHistogram["Dropout"]);
        Assert.Equal([3L, 10], report.OutputShape);
    }

    [Fact]
    public void Swin_style_shifted_window_block_input_gradient_matches_central_differences() =>
        FiniteDifferences.AssertMatches(SwinBlock.Build(OnnxDataType.Double, 1L), [1, 3, 16, 16]);

    [Fact]
    public void Error_for_45_unsupported_nodes_names_the_operator_once_with_its_count_and_first_node_in_under_300_characters()
    {
        var b = new OnnxGraphBuilder("many-unsupported", 17);
        b.Import("com.example", 1);
        var h = b.Input("x", OnnxDataType.Float, 1, 4);
        for (int i = 0; i < 45; i++)
            h = b.Node("ShiftedWindowMask", [h], name: $"/features/features.{i / 9 + 1}/features.{i / 9 + 1}.{i % 9}/attn/ShiftedWindowMask_{i}", domain: "com.example");
        h = b.Node("NonMaxSuppression", [h], name: "/postprocess/nms");
        b.Output(h, OnnxDataType.Float, 1, 4);

        var error = Assert.Throws<UnsupportedModelException>(() => OnnxGraph.Import(OnnxModel.Parse(b.ToBytes(), "many.onnx")));
        Assert.Equal(46, error.Unsupported.Count);
        Assert.True(error.Problem.Length < 300, $"{error.Problem.Length} characters: {error.Problem}");
        Assert.Contains("com.example:ShiftedWindowMask x45 (first '/features/features.1/features.1.0/attn/S...(18 more characters)')", error.Problem);
        Assert.Contains("NonMaxSuppression x1 (first '/postprocess/nms')", error.Problem);
        Assert.DoesNotContain("ShiftedWindowMask_1'", error.Problem);
    }
}
