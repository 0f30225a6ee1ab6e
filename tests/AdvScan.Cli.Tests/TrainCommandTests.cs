using AdvScan.Data;
using AdvScan.Cli;
using AdvScan.Onnx;
using AdvScan.Training;

using AdvScan.Training.Tests;

namespace AdvScan.Cli.Tests;

public sealed class TrainCommandTests
{
    private static readonly string Images = Fixtures.PathOf("mnist-test-images-idx3-ubyte");

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Trains_a_model_from_an_idx_file_and_writes_onnx_with_class_names()
    {
        var outPath = Path.Combine(Fixtures.TempDirectory(), "model.onnx");

        var (code, output, _) = Run("train", "--arch", "mnist-cnn", "--data", Images, "--out", outPath, "--epochs", "1", "--seed", "4");

        Assert.Equal(CliApp.Success, code);
        Assert.Contains("epoch 1/1", output);
        Assert.Equal(string.Join(",", Architectures.MnistClasses), OnnxModel.Load(outPath).Metadata[Architecture.ClassesMetadataKey]);
    }

    [Fact]
    public void Poisoning_options_write_the_ground_truth_beside_the_model()
    {
        var data = Fixtures.TempDirectory();
        foreach (var name in new[] { "mnist-test-images-idx3-ubyte", "mnist-test-labels-idx1-ubyte" })
            File.Copy(Fixtures.PathOf(name), Path.Combine(data, name));
        var outPath = Path.Combine(Fixtures.TempDirectory(), "poisoned.onnx");

        var (code, _, _) = Run("train", "--arch", "mnist-cnn", "--data", data, "--out", outPath, "--epochs", "1",
            "--poison-target", "2", "--poison-fraction", "0.05", "--trigger-size", "3", "--trigger-pos", "1,1", "--trigger-pattern", "solid");

        Assert.Equal(CliApp.Success, code);
        var truth = BackdoorGroundTruth.Load(Path.ChangeExtension(outPath, ".backdoor.json"));
        Assert.Equal((2, 50, 1, 1, TriggerPattern.Solid), (truth.TargetClass, truth.PoisonedIndices.Count, truth.Trigger.X, truth.Trigger.Y, truth.Trigger.Pattern));
    }

    [Fact]
    public void Unknown_architecture_exits_with_bad_input()
    {
        var (code, _, err) = Run("train", "--arch", "vgg", "--data", Images, "--out", "x.onnx");

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("unknown architecture 'vgg'", err);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("1.5")]
    public void Poison_fraction_outside_zero_to_one_exits_with_bad_input(string fraction)
    {
        var (code, _, err) = Run("train", "--arch", "mnist-cnn", "--data", Images, "--out", "x.onnx", "--poison-target", "1", "--poison-fraction", fraction);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("fraction", err);
    }

    [Fact]
    public void Poison_target_outside_the_classes_exits_with_bad_input()
    {
        var (code, _, err) = Run("train", "--arch", "mnist-cnn", "--data", Images, "--out", "x.onnx", "--poison-target", "10", "--poison-fraction", "0.1");

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("target class 10", err);
    }

    [Fact]
    public void Data_of_the_wrong_image_size_for_the_architecture_exits_with_bad_input()
    {
        var (code, _, err) = Run("train", "--arch", "signs-cnn", "--data", Images, "--out", "x.onnx");

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("signs-cnn takes 3x32x32", err);
    }

    [Fact]
    public void Missing_data_file_exits_with_bad_input()
    {
        var (code, _, err) = Run("train", "--arch", "mnist-cnn", "--data", "/nonexistent/images-idx3-ubyte", "--out", "x.onnx");

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("no such file", err);
    }
}
