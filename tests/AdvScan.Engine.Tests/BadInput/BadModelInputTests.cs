using AdvScan.Cli;
using AdvScan.Onnx;
using AdvScan.Onnx.Protobuf;
using AdvScan.Scanning;
using Google.Protobuf;
using TorchSharp;

namespace AdvScan.Engine.Tests.BadInput;

/// <summary>
/// Every unusable model is refused with one <see cref="InvalidInputException"/> line that names the file and the
/// problem, and `advscan model check` answers it with exit code 2 and that line, never a stack trace.
/// </summary>
public class BadModelInputTests
{
    private static string NewFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "advscan-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string WriteModel(ModelProto proto, string? dir = null)
    {
        var path = Path.Combine(dir ?? NewFolder(), "model.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }

    /// <summary>Runs the model check the way users do; returns the InvalidInputException it raised.</summary>
    private static InvalidInputException Refused(string path, string problemFragment)
    {
        var e = Assert.ThrowsAny<InvalidInputException>(() => ModelCheck.Run(path));
        Assert.Equal(path, e.File);
        Assert.Contains(problemFragment, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', e.Message);

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(["model", "check", path], stdout, stderr);
        Assert.Equal(CliApp.BadInput, code);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Equal($"error: {e.Message}", lines[0].TrimEnd('\r'));
        Assert.DoesNotContain(" at AdvScan.", stderr.ToString());
        return e;
    }

    [Fact]
    public void Missing_path_is_refused()
    {
        Refused(Path.Combine(NewFolder(), "nothing-here.onnx"), "does not exist");
    }

    [Fact]
    public void Folder_instead_of_file_is_refused()
    {
        Refused(NewFolder(), "is a folder");
    }

    [Fact]
    public void Empty_file_is_refused()
    {
        var path = Path.Combine(NewFolder(), "empty.onnx");
        File.WriteAllBytes(path, []);
        Refused(path, "is empty");
    }

    [Fact]
    public void Truncated_protobuf_is_refused()
    {
        var bytes = TestModels.SmallCnn().ToBytes();
        var path = Path.Combine(NewFolder(), "truncated.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Refused(path, "not a valid ONNX protobuf");
    }

    [Fact]
    public void Png_image_is_refused_as_not_onnx()
    {
        // A real 1x1 PNG: signature, IHDR, IDAT, IEND.
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");
        var path = Path.Combine(NewFolder(), "picture.onnx");
        File.WriteAllBytes(path, png);
        Refused(path, "ONNX");
    }

    [Fact]
    public void Text_file_is_refused_as_not_onnx()
    {
        var path = Path.Combine(NewFolder(), "notes.onnx");
        File.WriteAllText(path, "this is a text file, not a model\nsecond line\n");
        Refused(path, "ONNX");
    }

    [Fact]
    public void Model_without_graph_outputs_is_refused()
    {
        var proto = TestModels.SmallCnn().Build();
        proto.Graph.Output.Clear();
        Refused(WriteModel(proto), "no outputs");
    }

    [Fact]
    public void Unsupported_ops_are_each_named_once_with_count_and_first_node_in_one_error_at_import()
    {
        var b = new OnnxGraphBuilder("unsupported");
        b.Import("com.acme", 1);
        var x = b.Input("x", OnnxDataType.Float, 1, 4);
        var h = b.Node("Frobnicate", [x], name: "frob_1", domain: "com.acme");
        h = b.Node("Relu", [h]);
        h = b.Node("Frobnicate", [h], name: "frob_2", domain: "com.acme");
        h = b.Node("Unique", [h], name: "dedupe");
        b.Output(h, OnnxDataType.Float, 1, 4);
        var path = WriteModel(b.Build());

        var unsupported = Assert.IsType<UnsupportedModelException>(Assert.ThrowsAny<InvalidInputException>(() => OnnxGraph.Load(path)));
        Assert.Equal(["frob_1", "frob_2", "dedupe"], unsupported.Unsupported.Select(u => u.Node));
        var e = Refused(path, "com.acme:Frobnicate x2 (first 'frob_1'), Unique x1 (first 'dedupe')");
        Assert.DoesNotContain("frob_2", e.Message);
    }

    [Fact]
    public void Input_of_the_wrong_shape_is_refused_by_the_graph()
    {
        using var graph = OnnxGraph.Load(TestModels.WriteTemp(TestModels.SmallCnn(), "cnn.onnx"));
        using var scope = torch.NewDisposeScope();
        var e = Assert.ThrowsAny<InvalidInputException>(() => graph.forward(torch.zeros(2, 1, 10, 10)));
        Assert.Contains("input 'input' expects shape [batch, 1, 12, 12] but was given [2, 1, 10, 10]", e.Message);
        Assert.EndsWith("cnn.onnx", e.File);
    }

    [Fact]
    public void Declared_input_shape_that_does_not_fit_the_layers_is_refused()
    {
        // The classifier head expects 12x12 images; this file declares 10x10.
        var proto = TestModels.SmallCnn().Build();
        proto.Graph.Input[0].Type.TensorType.Shape.Dim[3].DimValue = 10;
        proto.Graph.Input[0].Type.TensorType.Shape.Dim[2].DimValue = 10;
        Refused(WriteModel(proto), "fc");
    }

    /// <summary>SmallCnn with its fc.weight moved to external data at <paramref name="location"/>.</summary>
    private static ModelProto WithExternalWeights(string location, string dataPath)
    {
        var proto = TestModels.SmallCnn().Build();
        var tensor = proto.Graph.Initializer.Single(t => t.Name == "fc.weight");
        File.WriteAllBytes(dataPath, [.. new byte[16], .. tensor.RawData.ToByteArray()]);
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "16" });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensor.RawData.Length.ToString() });
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.RawData = ByteString.Empty;
        return proto;
    }

    [Fact]
    public void External_data_in_the_parent_folder_is_refused()
    {
        var outer = NewFolder();
        var dir = Path.Combine(outer, "model");
        Directory.CreateDirectory(dir);
        var path = WriteModel(WithExternalWeights("../secret.bin", Path.Combine(outer, "secret.bin")), dir);
        Refused(path, "'../secret.bin' escapes the model's folder");
    }

    [Fact]
    public void External_data_at_an_absolute_path_is_refused()
    {
        var secret = Path.Combine(NewFolder(), "secret.bin");
        var path = WriteModel(WithExternalWeights(secret, secret));
        Refused(path, "is an absolute path");
    }

    [Fact]
    public void External_data_inside_the_model_folder_loads_and_matches_onnx_runtime()
    {
        var dir = NewFolder();
        Directory.CreateDirectory(Path.Combine(dir, "weights"));
        var path = WriteModel(WithExternalWeights("weights/fc.bin", Path.Combine(dir, "weights", "fc.bin")), dir);
        var report = ModelCheck.Run(path);
        Assert.True(report.Passed, $"max abs diff {report.MaxAbsoluteDifference}");
        Assert.True(report.MaxAbsoluteDifference < 1e-5);
    }

    [Fact]
    public void Nan_weights_are_refused_naming_the_initializer()
    {
        var proto = TestModels.SmallCnn().Build();
        var tensor = proto.Graph.Initializer.Single(t => t.Name == "conv1.bias");
        var values = tensor.RawData.ToByteArray();
        BitConverter.TryWriteBytes(values.AsSpan(4), float.NaN);
        tensor.RawData = ByteString.CopyFrom(values);
        Refused(WriteModel(proto), "initializer 'conv1.bias' contains NaN");
    }
}
