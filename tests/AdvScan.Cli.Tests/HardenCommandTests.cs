using AdvScan.Cli;
using AdvScan.Onnx;
using AdvScan.Training;

using AdvScan.Training.Tests;

namespace AdvScan.Cli.Tests;

public sealed class HardenCommandTests
{
    private static readonly string Images = Fixtures.PathOf("mnist-test-images-idx3-ubyte");
    private static readonly string Model = Fixtures.PathOf("mnist-cnn.onnx");

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A copy of a 200-image slice of the held-out digits, so a CLI run takes a second.</summary>
    private static string SmallData()
    {
        var dir = Fixtures.TempDirectory();
        var images = Path.Combine(dir, "small-images-idx3-ubyte");
        IdxFormat.Write(Fixtures.MnistTest().Subset(Enumerable.Range(0, 1000).Where(i => i % 5 == 0).ToArray()), images, Path.Combine(dir, "small-labels-idx1-ubyte"));
        return images;
    }

    /// <summary>Name, element type and shape of each value (the record's shape list compares by reference).</summary>
    private static string[] Signature(IEnumerable<OnnxValueInfo> values) => values.Select(v => $"{v.Name} {v.ElementType} {v.ShapeText}").ToArray();

    [Fact]
    public void Fine_tunes_an_onnx_model_and_writes_it_with_its_graph_and_metadata()
    {
        var outPath = Path.Combine(Fixtures.TempDirectory(), "robust.onnx");

        var (code, output, err) = Run("harden", "--model", Model, "--data", SmallData(), "--out", outPath,
            "--eps", "0.1", "--steps", "2", "--epochs", "1", "--seed", "4", "--clean-weight", "0.5");

        Assert.True(code == CliApp.Success, err);
        Assert.Contains("epoch 1/1", output);
        Assert.Contains("PGD L-inf eps 0.1, 2 steps of 0.125", output);
        var initial = OnnxModel.Load(Model);
        var hardened = OnnxModel.Load(outPath);
        Assert.Equal(initial.Proto.Graph.Node, hardened.Proto.Graph.Node);
        Assert.Equal(initial.Metadata, hardened.Metadata);
        Assert.NotEqual(initial.ToBytes(), hardened.ToBytes());
    }

    [Fact]
    public void Same_seed_writes_a_byte_identical_file()
    {
        var dir = Fixtures.TempDirectory();
        var data = SmallData();
        string[] Harden(string name) =>
            ["harden", "--model", Model, "--data", data, "--out", Path.Combine(dir, name), "--eps", "0.1", "--steps", "2", "--epochs", "1", "--seed", "4"];

        var first = Run(Harden("first.onnx"));
        var second = Run(Harden("second.onnx"));

        Assert.True(first.Code == CliApp.Success && second.Code == CliApp.Success, first.Err + second.Err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "first.onnx")), File.ReadAllBytes(Path.Combine(dir, "second.onnx")));
    }

    [Fact]
    public void Hardened_file_runs_in_onnx_runtime_with_the_input_and_output_of_the_original()
    {
        var outPath = Path.Combine(Fixtures.TempDirectory(), "robust.onnx");
        var (code, _, err) = Run("harden", "--model", Model, "--data", SmallData(), "--out", outPath, "--eps", "0.1", "--steps", "2", "--epochs", "1");
        Assert.True(code == CliApp.Success, err);
        var initial = OnnxModel.Load(Model);
        var hardened = OnnxModel.Load(outPath);
        var digits = Fixtures.MnistTest().Subset([0, 100, 200]);

        // The deployment runtime, not only our own loader, must accept the rewritten initializers.
        var predictions = Fixtures.OrtPredict(hardened, digits);

        Assert.Equal(Signature(initial.Inputs), Signature(hardened.Inputs));
        Assert.Equal(Signature(initial.Outputs), Signature(hardened.Outputs));
        Assert.Equal(3, predictions.Length);
        Assert.All(predictions, p => Assert.InRange(p, 0, 9));
    }

    [Fact]
    public void Trains_a_fresh_architecture_with_an_eps_ramp()
    {
        var outPath = Path.Combine(Fixtures.TempDirectory(), "fresh.onnx");

        var (code, output, err) = Run("harden", "--arch", "mnist-cnn", "--data", SmallData(), "--out", outPath,
            "--eps", "0.2", "--steps", "1", "--step-size", "0.25", "--epochs", "2", "--ramp-epochs", "2");

        Assert.True(code == CliApp.Success, err);
        Assert.Contains("epoch 1/2:    eps 0.1,", output);
        Assert.Contains("epoch 2/2:    eps 0.2,", output);
        Assert.Equal(string.Join(",", Architectures.MnistClasses), OnnxModel.Load(outPath).Metadata[Architecture.ClassesMetadataKey]);
    }

    [Theory]
    [InlineData("--eps", "1.5", "eps must be in [0,1]")]
    [InlineData("--eps", "-0.1", "eps must be in [0,1]")]
    [InlineData("--eps", "lots", "option --eps expects a number")]
    [InlineData("--steps", "0", "option --steps must be at least 1")]
    [InlineData("--steps", "-5", "option --steps must be at least 1")]
    [InlineData("--step-size", "0", "step size must be in (0,1]")]
    [InlineData("--step-size", "-0.01", "step size must be in (0,1]")]
    [InlineData("--epochs", "0", "option --epochs must be at least 1")]
    [InlineData("--batch", "0", "option --batch must be at least 1")]
    [InlineData("--lr", "0", "learning rate must be a positive number")]
    [InlineData("--ramp-epochs", "20", "eps ramp must last between 0 and the 10 training epoch(s)")]
    [InlineData("--clean-weight", "1", "clean-loss weight must be in [0,1)")]
    [InlineData("--restarts", "2", "unknown option(s): --restarts")]
    public void Bad_option_value_exits_with_bad_input_and_one_line(string option, string value, string message)
    {
        var (code, output, err) = Run("harden", "--model", Model, "--data", Images, "--out", "x.onnx", option, value);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains(message, err);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Empty(output);
    }

    [Theory]
    [InlineData(new[] { "--data", "DATA", "--out", "x.onnx" }, "give exactly one of --model")]
    [InlineData(new[] { "--model", "MODEL", "--arch", "mnist-cnn", "--data", "DATA", "--out", "x.onnx" }, "give exactly one of --model")]
    [InlineData(new[] { "--model", "MODEL", "--out", "x.onnx" }, "missing --data")]
    [InlineData(new[] { "--model", "MODEL", "--data", "DATA" }, "missing --out")]
    [InlineData(new[] { "--model", "/nonexistent/model.onnx", "--data", "DATA", "--out", "x.onnx" }, "no such file")]
    [InlineData(new[] { "--arch", "vgg", "--data", "DATA", "--out", "x.onnx" }, "unknown architecture 'vgg'")]
    [InlineData(new[] { "--model", "MODEL", "--data", "/nonexistent/images-idx3-ubyte", "--out", "x.onnx" }, "no such file")]
    public void Missing_or_contradictory_arguments_exit_with_bad_input(string[] arguments, string message)
    {
        var args = arguments.Select(a => a switch { "DATA" => Images, "MODEL" => Model, _ => a }).Prepend("harden").ToArray();

        var (code, _, err) = Run(args);

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains(message, err);
        Assert.Single(err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Model_that_takes_other_images_than_the_data_exits_with_bad_input()
    {
        var (code, _, err) = Run("harden", "--model", Fixtures.PathOf("signs-cnn.onnx"), "--data", Images, "--out", "x.onnx");

        Assert.Equal(CliApp.BadInput, code);
        Assert.Contains("but the data holds 1x28x28 images", err);
    }

    [Fact]
    public void Usage_lists_the_harden_verb()
    {
        var (code, output, _) = Run("--help");

        Assert.Equal(CliApp.Success, code);
        Assert.Contains("harden (--model <in.onnx> | --arch <name>)", output);
    }
}
