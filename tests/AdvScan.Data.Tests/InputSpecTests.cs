using AdvScan.Onnx;
using TorchSharp;

namespace AdvScan.Data.Tests;

public sealed class InputSpecTests : IDisposable
{
    private readonly Fixtures _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Defaults_come_from_the_input_shape_and_advscan_metadata()
    {
        var path = _f.BrightestChannelModel(height: 8, width: 6, nhwc: true, metadata: b => b
            .Metadata(ModelMetadataKeys.Mean, "0.5, 0.25, 0")
            .Metadata(ModelMetadataKeys.Scale, "255")
            .Metadata(ModelMetadataKeys.ChannelOrder, "bgr"));
        var spec = ModelConventions.InputSpecOf(OnnxModel.Load(path));
        Assert.Equal(TensorLayout.Nhwc, spec.Layout);
        Assert.Equal((3, 8, 6), (spec.Channels, spec.Height!.Value, spec.Width!.Value));
        Assert.Equal(ChannelOrder.Bgr, spec.ChannelOrder);
        Assert.Equal(255f, spec.Scale);
        Assert.Equal([0.5f, 0.25f, 0f], spec.Mean!);
    }

    [Fact]
    public void Overrides_win_over_metadata()
    {
        var path = _f.BrightestChannelModel(metadata: b => b.Metadata(ModelMetadataKeys.Scale, "255"));
        var spec = ModelConventions.InputSpecOf(OnnxModel.Load(path), new InputSpecOverrides(Scale: 1f));
        Assert.Equal(1f, spec.Scale);
    }

    [Fact]
    public void Unparseable_metadata_is_an_error_naming_the_key()
    {
        var path = _f.BrightestChannelModel(metadata: b => b.Metadata(ModelMetadataKeys.Std, "0.2,zero,0.2"));
        var e = Assert.Throws<InvalidInputException>(() => ModelConventions.InputSpecOf(OnnxModel.Load(path)));
        Assert.Contains(ModelMetadataKeys.Std, e.Problem);
    }

    [Fact]
    public void Model_with_a_channel_count_other_than_1_or_3_is_refused()
    {
        var path = _f.BrightestChannelModel(channels: 4, height: 2, width: 2);
        Assert.Throws<InvalidInputException>(() => ModelConventions.InputSpecOf(OnnxModel.Load(path)));
    }

    [Fact]
    public void Dataset_of_another_fixed_size_cannot_feed_the_model_without_resizing()
    {
        _f.Png("set/a/x.png", 4, 4, (1, 2, 3));
        var spec = new InputSpec(3, 8, 8);
        using var d = Datasets.Open(_f.PathOf("set"));
        var e = Assert.Throws<InvalidInputException>(() => spec.CheckDataset(d, "m.onnx"));
        Assert.Equal("m.onnx", e.File);
    }

    [Fact]
    public void Host_mapping_normalises_flips_to_bgr_and_lays_out_nhwc()
    {
        var spec = new InputSpec(3, Layout: TensorLayout.Nhwc, ChannelOrder: ChannelOrder.Bgr, Scale: 255, Mean: [10, 20, 30], Std: [5, 5, 5]);
        // One 1x1 RGB pixel (0.2, 0.4, 0.6) -> BGR (153, 102, 51) -> ((153-10)/5, (102-20)/5, (51-30)/5).
        var mapped = spec.ToModelInput([0.2f, 0.4f, 0.6f], 1, new ImageGeometry(3, 1, 1));
        Assert.Equal(new[] { 28.6f, 16.4f, 4.2f }, mapped, (a, b) => Math.Abs(a - b) < 1e-4);
    }

    [Fact]
    public void Gray_data_is_replicated_for_an_rgb_model()
    {
        var spec = new InputSpec(3);
        Assert.Equal([0.5f, 0.5f, 0.5f], spec.ToModelInput([0.5f], 1, new ImageGeometry(1, 1, 1)));
    }

    [Fact]
    public void Tensor_mapping_matches_host_mapping_and_passes_gradients()
    {
        var spec = new InputSpec(1, Layout: TensorLayout.Nhwc, Scale: 255, Mean: [100], Std: [50]);
        var random = new Random(3);
        var pixels = Enumerable.Range(0, 2 * 3 * 4 * 5).Select(_ => (float)random.NextDouble()).ToArray();
        var geometry = new ImageGeometry(3, 4, 5);
        var host = spec.ToModelInput(pixels, 2, geometry);

        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(pixels, [2, 3, 4, 5]).requires_grad_(true);
        var y = spec.ToModelInput(x);
        Assert.Equal(spec.InputShape(2, geometry), y.shape);
        var fromTorch = y.contiguous().data<float>().ToArray();
        Assert.Equal(host, fromTorch, (a, b) => Math.Abs(a - b) < 1e-4);
        y.sum().backward();
        Assert.True(x.grad is not null && x.grad.abs().sum().item<float>() > 0);
    }
}
