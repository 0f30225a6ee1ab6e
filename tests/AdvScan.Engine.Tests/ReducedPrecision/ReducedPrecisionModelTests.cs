using AdvScan.Attacks;
using AdvScan.Onnx;
using AdvScan.Onnx.Protobuf;
using AdvScan.Runtime;
using AdvScan.Scanning;
using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Tests.ReducedPrecision;

/// <summary>
/// Float16 and bfloat16 models, converted by AdvScan's own <see cref="ModelPrecision"/>: the engine computes them in
/// float32 with inputs and outputs rounded to the model's type at the boundary, and ONNX Runtime judges them in that type.
/// </summary>
public class ReducedPrecisionModelTests
{
    private static string Fixture(string name) => Path.GetFullPath(Path.Combine(Conformance.ConformanceCase.FixtureRoot(), "..", name));

    private static string Converted(ModelProto model, OnnxDataType type, string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "advscan-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, ModelPrecision.Convert(model, type).ToByteArray());
        return path;
    }

    /// <summary>A two-layer perceptron: ONNX's Conv takes no bfloat16 before opset 22, Gemm and Relu do from opset 13.</summary>
    private static OnnxGraphBuilder Perceptron()
    {
        var r = new Random(8);
        var b = new OnnxGraphBuilder("mlp", 17);
        var x = b.Input("input", OnnxDataType.Float, "batch", 1, 12, 12);
        var h = b.Node("Flatten", [x], new Dictionary<string, object> { ["axis"] = 1L });
        h = b.Node("Relu", [b.Node("Gemm", [h, b.Initializer("fc1.weight", [32, 144], TestModels.RandomFloats(r, 32 * 144, 0.15)), b.Initializer("fc1.bias", [32], TestModels.RandomFloats(r, 32, 0.1))],
            new Dictionary<string, object> { ["transB"] = 1L })]);
        var y = b.Node("Gemm", [h, b.Initializer("fc2.weight", [5, 32], TestModels.RandomFloats(r, 160, 0.3)), b.Initializer("fc2.bias", [5], TestModels.RandomFloats(r, 5, 0.1))],
            new Dictionary<string, object> { ["transB"] = 1L });
        b.Output(y, OnnxDataType.Float, "batch", 5);
        return b;
    }

    [Theory]
    [InlineData(OnnxDataType.Float16, true)]
    [InlineData(OnnxDataType.Float16, false)]
    public void Converted_model_passes_model_check_with_onnx_runtime_fed_in_the_models_type(OnnxDataType type, bool convolutional)
    {
        var path = Converted((convolutional ? TestModels.SmallCnn() : Perceptron()).Build(), type, "reduced.onnx");
        var model = OnnxModel.Load(path);
        Assert.Equal(type, model.Inputs[0].ElementType);
        Assert.Equal(type, model.Outputs[0].ElementType);
        using (var session = ReferenceSession.Open(model)) Assert.Equal(type, session.InputElementType);

        var report = ModelCheck.Run(path);
        Assert.True(report.ParityHolds, $"max rel {report.MaxRelativeDifference:G3} at tolerance {report.Tolerance:G3}");
        Assert.True(report.GradientsFlow);
        Assert.Equal(ModelCheck.ReducedPrecisionTolerance(model), report.Tolerance);
    }

    [Fact]
    public void Bfloat16_interface_model_passes_model_check_with_onnx_runtime_fed_and_returning_bfloat16()
    {
        // bfloat16 in and out, float32 inside (Cast at both ends): ONNX Runtime's CPU provider has Cast for bfloat16.
        var proto = Perceptron().Build();
        var graph = proto.Graph;
        graph.Input[0].Type.TensorType.ElemType = (int)OnnxDataType.BFloat16;
        graph.Output[0].Type.TensorType.ElemType = (int)OnnxDataType.BFloat16;
        var inner = graph.Input[0].Name + "_float";
        foreach (var node in graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == graph.Input[0].Name) node.Input[i] = inner;
        var logits = graph.Output[0].Name + "_float";
        foreach (var node in graph.Node)
            for (int i = 0; i < node.Output.Count; i++)
                if (node.Output[i] == graph.Output[0].Name) node.Output[i] = logits;
        graph.Node.Insert(0, new NodeProto { OpType = "Cast", Name = "in_cast", Input = { graph.Input[0].Name }, Output = { inner },
            Attribute = { OnnxGraphBuilder.Attribute("to", (long)OnnxDataType.Float) } });
        graph.Node.Add(new NodeProto { OpType = "Cast", Name = "out_cast", Input = { logits }, Output = { graph.Output[0].Name },
            Attribute = { OnnxGraphBuilder.Attribute("to", (long)OnnxDataType.BFloat16) } });
        var dir = Path.Combine(Path.GetTempPath(), "advscan-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "mlp-bf16-io.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());

        var model = OnnxModel.Load(path);
        using (var session = ReferenceSession.Open(model)) Assert.Equal(OnnxDataType.BFloat16, session.InputElementType);
        var report = ModelCheck.Run(path);
        Assert.Equal(6e-2, report.Tolerance);
        // Both sides round the same float32 logits to bfloat16: equal but for the float32 arithmetic's last bits.
        Assert.True(report.ParityHolds && report.MaxRelativeDifference < 1e-2, $"max rel {report.MaxRelativeDifference:G3}");
        Assert.True(report.GradientsFlow);
    }

    [Fact]
    public void Bfloat16_compute_model_is_refused_by_onnx_runtimes_cpu_provider_in_one_line_that_says_what_to_do()
    {
        var path = Converted(Perceptron().Build(), OnnxDataType.BFloat16, "mlp-bf16.onnx");
        var error = Assert.Throws<InvalidInputException>(() => ReferenceSession.Open(OnnxModel.Load(path)));
        Assert.Contains("lacks most bfloat16 kernels", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Engine_rounds_a_float16_models_input_at_the_boundary_and_passes_gradients_straight_through()
    {
        using var graph = OnnxGraph.Load(Converted(TestModels.SmallCnn().Build(), OnnxDataType.Float16, "cnn-fp16.onnx"));
        using var scope = torch.NewDisposeScope();
        var x = torch.rand(2, 1, 12, 12, generator: new Generator(4));
        var rounded = x.to_type(ScalarType.Float16).to_type(ScalarType.Float32);
        Assert.False(x.eq(rounded).all().item<bool>());
        using (torch.no_grad()) Assert.True(graph.forward(x).eq(graph.forward(rounded)).all().item<bool>());

        var probe = x.clone().requires_grad_(true);
        var y = graph.forward(probe);
        // The outputs are float16 values too (what ONNX Runtime returns), held in float32.
        Assert.True(y.eq(y.to_type(ScalarType.Float16).to_type(ScalarType.Float32)).all().item<bool>());
        y.sum().backward();
        Assert.True(probe.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Float16_mnist_cnn_is_attacked_by_pgd_and_judged_in_float16_by_onnx_runtime()
    {
        var path = Converted(OnnxModel.Load(Fixture("mnist-cnn.onnx")).Proto, OnnxDataType.Float16, "mnist-cnn-fp16.onnx");
        var model = OnnxModel.Load(path);
        using var dataset = DatasetSource.Open(Fixture("mnist-test-images-idx3-ubyte"), Fixture("mnist-test-labels-idx1-ubyte"), null, model);
        using var runtime = RuntimeSessions.Open(model);
        Assert.Equal(OnnxDataType.Float16, runtime.InputElementType);
        using var graph = OnnxGraph.Import(model);
        var indices = dataset.Sample(40, 7);

        var result = new RobustnessEvaluation(runtime, dataset.Mapping).Run(new Pgd(), graph,
            new AttackSettings(Norm.LInf, 0.1, 10, 0.025, Seed: 3), [0.0, 0.1], dataset.Read(indices, 40, default));
        var clean = result.Curve[0].CleanAccuracy;
        var attacked = result.Curve[1];
        Assert.True(clean.Value >= 0.9, $"clean accuracy in float16 {clean}");
        Assert.True(attacked.RobustAccuracy.Value < clean.Value - 0.3, $"robust {attacked.RobustAccuracy} vs clean {clean}");
        // Crafting sees the float16 input ONNX Runtime is fed; its verdicts rarely differ from ONNX Runtime's.
        Assert.True(attacked.RuntimeDisagreements <= 2, $"{attacked.RuntimeDisagreements} disagreements of {attacked.Attacked}");
    }
}
