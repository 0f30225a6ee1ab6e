using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;

namespace AdvScan.Attacks.Tests;

public class TransferTests
{
    private static IEnumerable<LabeledBatch> All(LinearOracle oracle) => [new LabeledBatch(oracle.Pixels, oracle.Shape, oracle.Labels)];

    [Fact]
    public void Transfer_from_an_identical_surrogate_reproduces_the_exact_robust_accuracy_and_transfers_fully()
    {
        using var target = new LinearOracle(seed: 21);
        using var surrogate = OnnxGraph.Import(OnnxModel.Parse(target.ModelBytes, "surrogate.onnx"));
        using var session = ReferenceSession.Open(OnnxModel.Parse(target.ModelBytes, "target.onnx"));
        var craft = RobustnessEvaluation.WhiteBox(new Pgd(), surrogate, PixelMapping.Identity);
        var result = new RobustnessEvaluation(session, PixelMapping.Identity)
            .Run("transfer", craft, new AttackSettings(Norm.LInf, Steps: 20, Seed: 1), [0.1], All(target), transfer: true);
        var point = result.Curve[0];
        Assert.Equal(target.ExactRobustAccuracy(Norm.LInf, 0.1), point.RobustAccuracy.Value, 6);
        Assert.Equal(1.0, point.Transfer!.Value.Value);
        Assert.True(point.Transfer.Value.Trials > 0);
    }

    [Fact]
    public void Transfer_from_an_unrelated_surrogate_transfers_less_than_white_box()
    {
        using var target = new LinearOracle(seed: 22);
        using var other = new LinearOracle(seed: 99);
        using var session = ReferenceSession.Open(OnnxModel.Parse(target.ModelBytes, "target.onnx"));
        var evaluation = new RobustnessEvaluation(session, PixelMapping.Identity);
        var settings = new AttackSettings(Norm.LInf, Steps: 20, Seed: 1);
        var transfer = evaluation.Run("transfer", RobustnessEvaluation.WhiteBox(new Pgd(), other.Graph, PixelMapping.Identity), settings, [0.1], All(target), transfer: true);
        var whiteBox = evaluation.Run(new Pgd(), target.Graph, settings, [0.1], All(target));
        Assert.True(transfer.Curve[0].RobustAccuracy.Value > whiteBox.Curve[0].RobustAccuracy.Value);
    }

    [Fact]
    public void Surrogate_with_a_different_input_shape_is_refused()
    {
        var builder = new OnnxGraphBuilder("other", 17);
        var x = builder.Input("input", OnnxDataType.Float, "batch", 3, 8, 8);
        var y = builder.Node("GlobalAveragePool", [x]);
        builder.Output(y, OnnxDataType.Float, "batch", 3, 1, 1);
        using var target = new LinearOracle(seed: 23);
        var error = Assert.Throws<InvalidInputException>(() =>
            AdvScan.Scanning.Attacks.TransferAttack.CheckSameInput(OnnxModel.Parse(target.ModelBytes, "target.onnx"), OnnxModel.Parse(builder.ToBytes(), "surrogate.onnx")));
        Assert.Contains("surrogate.onnx", error.Message);
        Assert.Contains("does not match", error.Message);
    }
}
