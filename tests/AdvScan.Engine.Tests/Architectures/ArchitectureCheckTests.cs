using AdvScan.Cli;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;

namespace AdvScan.Engine.Tests.Architectures;

/// <summary>
/// `advscan model check` passes (engine matches ONNX Runtime, input gradients flow) on export-style graphs of real
/// ImageNet architectures. Batch 1 at reduced resolution; the larger ones carry Trait("Size", "Heavy") so a quick run
/// can leave them out with --filter "Size!=Heavy".
/// </summary>
public class ArchitectureCheckTests
{
    private static ModelCheckReport Check(OnnxGraphBuilder builder, string name)
    {
        var path = TestModels.WriteTemp(builder, name + ".onnx");
        try
        {
            // The graph is valid ONNX for the reference runtime before the engine is asked about it, so a failure
            // below is the engine's, not the builder's.
            var model = OnnxModel.Load(path);
            using (var session = ReferenceSession.Open(model))
            {
                var shape = model.Inputs[0].Shape!.Select(d => d.Value ?? 1).ToArray();
                var logits = session.RunFirst(new HostTensor(new float[shape.Aggregate(1L, (a, b) => a * b)], shape));
                Assert.Equal([1, 1000], logits.Shape);
            }
            var report = ModelCheck.Run(path, new ModelCheckOptions(BatchSize: 1));
            Assert.True(report.OutputsFinite, $"{name}: outputs are not finite");
            Assert.True(report.ParityHolds, $"{name}: engine and ONNX Runtime differ, max abs {report.MaxAbsoluteDifference:G3}, max rel {report.MaxRelativeDifference:G3}");
            Assert.True(report.GradientsFlow, $"{name}: input gradients do not flow");
            Assert.Equal(1000, report.OutputShape[^1]);
            return report;
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact, Trait("Size", "Heavy")]
    public void AlexNet_v1_with_lrn_and_grouped_convs_passes_model_check() => Check(ImageNetArchitectures.AlexNet(), "alexnet");

    [Fact, Trait("Size", "Heavy")]
    public void Vgg11_passes_model_check() => Check(ImageNetArchitectures.Vgg11(), "vgg11");

    [Fact, Trait("Size", "Heavy")]
    public void ResNet50_passes_model_check()
    {
        var report = Check(ImageNetArchitectures.ResNet50(), "resnet50");
        Assert.Equal(53, report.OpHistogram["Conv"]);
        Assert.Equal(16, report.OpHistogram["Add"]);
    }

    [Fact, Trait("Size", "Heavy")]
    public void DenseNet121_passes_model_check()
    {
        var report = Check(ImageNetArchitectures.DenseNet121(), "densenet121");
        Assert.Equal(120, report.OpHistogram["Conv"]);
    }

    [Fact]
    public void GoogLeNet_inception_v1_passes_model_check()
    {
        var report = Check(ImageNetArchitectures.GoogLeNet(), "googlenet");
        // Nine inception modules, plus the Concat that builds the flatten's target shape.
        Assert.Equal(10, report.OpHistogram["Concat"]);
    }

    [Fact]
    public void SqueezeNet11_passes_model_check() => Check(ImageNetArchitectures.SqueezeNet11(), "squeezenet1_1");

    [Fact]
    public void MobileNetV2_passes_model_check() => Check(ImageNetArchitectures.MobileNetV2(), "mobilenet_v2");

    [Fact]
    public void MobileNetV3_small_with_hardswish_and_squeeze_excitation_passes_model_check()
    {
        var report = Check(ImageNetArchitectures.MobileNetV3Small(), "mobilenet_v3_small");
        Assert.Equal(9, report.OpHistogram["HardSigmoid"]);
    }

    [Fact]
    public void ShuffleNetV2_with_split_and_channel_shuffle_passes_model_check() => Check(ImageNetArchitectures.ShuffleNetV2(), "shufflenet_v2");

    [Fact]
    public void Vit_tiny_with_decomposed_layer_norm_passes_model_check() => Check(ImageNetArchitectures.VitTiny(exportStyle17: false), "vit_tiny_opset14");

    [Fact]
    public void Vit_tiny_opset17_export_with_layer_normalization_and_dynamic_batch_passes_model_check() =>
        Check(ImageNetArchitectures.VitTiny(exportStyle17: true), "vit_tiny_opset17");

    [Fact]
    public void Model_check_cli_passes_squeezenet_and_prints_its_op_histogram()
    {
        var path = TestModels.WriteTemp(ImageNetArchitectures.SqueezeNet11(), "squeezenet1_1.onnx");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(["model", "check", path, "--batch", "1"], stdout, stderr);
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);

        Assert.True(code == CliApp.Success, stdout.ToString() + stderr);
        var text = stdout.ToString();
        Assert.Contains("ops:          Concat x9, Conv x26, Dropout x1, Gather x1, GlobalAveragePool x1, MaxPool x3, Relu x26, Reshape x1, Shape x1, Unsqueeze x1", text);
        Assert.Contains("parity:       holds", text);
    }
}
