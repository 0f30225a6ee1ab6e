using System.Diagnostics;
using AdvScan.Cli.Tests.Hostile;
using AdvScan.Onnx;
using AdvScan.Onnx.Protobuf;
using Google.Protobuf;

namespace AdvScan.Engine.Tests.BadInput;

/// <summary>
/// Model files and their external data as an attacker prepares them (issue 24): the model must be a regular file of
/// bounded size; external data is resolved with links followed and must stay in the model's folder, be a regular file,
/// hold the range asked for, and not be claimed twice; totals are bounded. All of it is checked when the model loads,
/// before anything (ONNX Runtime included) reads the data.
/// </summary>
public sealed class HostileModelFileTests : IDisposable
{
    private const string Secret = "ENGINE-HOSTILE-SECRET-41d2";
    private readonly string _folder = Directory.CreateTempSubdirectory("advscan-hostile-model-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
    }

    private string Root => Directory.CreateDirectory(Path.Combine(_folder, "model")).FullName;

    private string Outside(string name, string text)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_folder, "outside")).FullName;
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>SmallCnn with fc.weight (384 floats) stored externally at <paramref name="location"/>.</summary>
    private string ModelWithExternalWeight(string location, string offset = "0")
    {
        var proto = TestModels.SmallCnn().Build();
        var tensor = proto.Graph.Initializer.Single(t => t.Name == "fc.weight");
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset });
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.RawData = ByteString.Empty;
        var path = Path.Combine(Root, "model.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }

    private static InvalidInputException RefusedAtLoad(string path, string fragment)
    {
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InvalidInputException>(() => OnnxModel.Load(path));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"refused after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Contains(fragment, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain(Secret, e.Message);
        return e;
    }

    [Fact]
    public void A_fifo_as_the_model_is_refused_by_its_kind_without_blocking()
    {
        var path = Path.Combine(Root, "model.onnx");
        HostileModels.Fifo(path);
        RefusedAtLoad(path, "FIFO");
    }

    [Fact]
    public void A_nul_in_the_model_path_is_bad_input_not_an_argument_exception()
    {
        var e = Assert.Throws<InvalidInputException>(() => OnnxModel.Load(Path.Combine(Root, "model.onnx\0../../../etc/passwd")));
        Assert.Contains("NUL", e.Message);
        Assert.DoesNotContain('\0', e.Message);
    }

    [Fact]
    public void A_model_larger_than_the_model_byte_limit_is_refused_before_it_is_read()
    {
        var path = Path.Combine(Root, "model.onnx");
        File.WriteAllBytes(path, TestModels.SmallCnn().ToBytes());
        using (ResourceLimits.Use(new ResourceLimits { MaxModelBytes = 100 }))
            RefusedAtLoad(path, "limits.maxModelBytes");
    }

    [Fact]
    public void External_data_that_is_a_link_out_of_the_model_folder_is_refused_before_it_is_read()
    {
        var secret = Outside("weights.bin", string.Concat(Enumerable.Repeat(Secret, 100)));
        File.CreateSymbolicLink(Path.Combine(Root, "fc.bin"), secret);
        var e = RefusedAtLoad(ModelWithExternalWeight("fc.bin"), "outside");
        Assert.Contains("external data 'fc.bin' of tensor 'fc.weight'", e.Message);
    }

    [Fact]
    public void External_data_in_a_linked_folder_that_leaves_the_model_folder_is_refused()
    {
        var secret = Outside("weights.bin", string.Concat(Enumerable.Repeat(Secret, 100)));
        Directory.CreateSymbolicLink(Path.Combine(Root, "weights"), Path.GetDirectoryName(secret)!);
        RefusedAtLoad(ModelWithExternalWeight("weights/weights.bin"), "outside");
    }

    [Fact]
    public void External_data_that_is_a_fifo_is_refused_by_its_kind()
    {
        HostileModels.Fifo(Path.Combine(Root, "fc.bin"));
        RefusedAtLoad(ModelWithExternalWeight("fc.bin"), "FIFO");
    }

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("9223372036854775808")]
    [InlineData("-1")]
    public void External_data_offsets_that_overflow_are_refused(string offset)
    {
        File.WriteAllBytes(Path.Combine(Root, "fc.bin"), new byte[384 * 4]);
        RefusedAtLoad(ModelWithExternalWeight("fc.bin", offset), "offset");
    }

    [Fact]
    public void External_data_with_a_nul_in_its_location_is_refused()
    {
        RefusedAtLoad(ModelWithExternalWeight("fc.bin\0../../etc/passwd"), "NUL");
    }

    [Fact]
    public void Uint64_values_above_the_int64_range_are_bad_input_not_an_overflow()
    {
        var tensor = new TensorProto { Name = "huge", DataType = (int)OnnxDataType.UInt64 };
        tensor.Dims.Add(2);
        tensor.Uint64Data.Add([1UL, ulong.MaxValue]);
        var e = Assert.Throws<InvalidInputException>(() => TensorDecoder.Decode(tensor, "m.onnx", null));
        Assert.Contains("uint64 value 18446744073709551615", e.Message);

        var raw = new TensorProto { Name = "huge", DataType = (int)OnnxDataType.UInt64, RawData = ByteString.CopyFrom(BitConverter.GetBytes(ulong.MaxValue)) };
        raw.Dims.Add(1);
        Assert.Contains("uint64 value", Assert.Throws<InvalidInputException>(() => TensorDecoder.Decode(raw, "m.onnx", null)).Message);
    }

    [Fact]
    public void Tensors_claiming_the_same_bytes_of_one_sparse_file_are_refused_by_its_real_size()
    {
        const long elements = 160_000_000; // 640 MB, claimed eight times: 5.1 GB of reads from one sparse file.
        HostileModels.Sparse(Path.Combine(Root, "big.bin"), elements * 4);
        var proto = TestModels.SmallCnn().Build();
        for (int i = 0; i < 8; i++)
        {
            var tensor = new TensorProto { Name = $"big{i}", DataType = (int)OnnxDataType.Float, DataLocation = TensorProto.Types.DataLocation.External };
            tensor.Dims.Add(elements);
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "big.bin" });
            proto.Graph.Initializer.Add(tensor);
        }
        var path = Path.Combine(Root, "model.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        var e = RefusedAtLoad(path, "tensor 'big1' reads external data 'big.bin' that other tensors already read");
        Assert.Contains($"1280000000 bytes claimed from a file of {elements * 4}", e.Message);
    }

    [Fact]
    public void The_initializers_together_are_bounded_by_the_model_byte_limit()
    {
        var path = Path.Combine(Root, "model.onnx");
        File.WriteAllBytes(path, TestModels.SmallCnn().ToBytes());
        // SmallCnn holds 36 + 4 + 288 + 8 + 384 + 3 floats and a few int64 constants: well over 1000 bytes.
        using (ResourceLimits.Use(new ResourceLimits { MaxModelBytes = 1000 }))
        {
            var bytes = File.ReadAllBytes(path);
            var e = Assert.Throws<InvalidInputException>(() => OnnxModel.Parse(bytes, path, Root));
            Assert.Contains("limits.maxModelBytes", e.Message);
        }
    }
}
