using static AdvScan.Data.Tests.Fixtures;

namespace AdvScan.Data.Tests;

public sealed class ArrayDatasetTests : IDisposable
{
    private readonly Fixtures _f = new();

    public void Dispose() => _f.Dispose();

    private string Labels(params long[] y) => _f.Bytes("y.npy", Npy("<i8", [y.Length], Longs(y)));

    [Fact]
    public void Npy_uint8_nhwc_reads_as_nchw_in_unit_range()
    {
        // One 1x2 RGB image: pixel 0 = (0, 51, 255), pixel 1 = (255, 0, 0).
        var x = _f.Bytes("x.npy", Npy("|u1", [1, 1, 2, 3], [0, 51, 255, 255, 0, 0]));
        using var d = Datasets.Open(x, new DatasetOptions(LabelsPath: Labels(2)));
        Assert.Equal(new ImageGeometry(3, 1, 2), d.Geometry);
        var batch = d.ReadBatches([0], 1).Single();
        Assert.Equal([0f, 1, 0.2f, 0, 1, 0], batch.Pixels);
        Assert.Equal([2], batch.Labels);
    }

    [Fact]
    public void Npy_float32_nchw_in_format_version_2_reads_unchanged()
    {
        var x = _f.Bytes("x.npy", Npy("<f4", [1, 1, 2, 2], Floats(0.1f, 0.2f, 0.3f, 0.4f), version: 2));
        using var d = Datasets.Open(x, new DatasetOptions(LabelsPath: Labels(0)));
        Assert.Equal([0.1f, 0.2f, 0.3f, 0.4f], d.ReadBatches([0], 1).Single().Pixels);
    }

    [Fact]
    public void Npy_float_pixels_outside_unit_range_fail_naming_the_example()
    {
        var x = _f.Bytes("x.npy", Npy("<f4", [1, 1, 1, 1], Floats(255f)));
        using var d = Datasets.Open(x, new DatasetOptions(LabelsPath: Labels(0)));
        var e = Assert.Throws<InvalidInputException>(() => d.ReadBatches([0], 1).ToList());
        Assert.Equal($"{x}[0]", e.File);
    }

    [Fact]
    public void Npy_pickle_is_refused()
    {
        var x = _f.Bytes("x.npy", [0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(x, new DatasetOptions(LabelsPath: Labels(0))));
        Assert.Equal(x, e.File);
        Assert.Contains("pickle", e.Problem);
    }

    [Fact]
    public void Npy_object_array_is_refused()
    {
        var x = _f.Bytes("x.npy", Npy("|O", [1], new byte[8]));
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(x, new DatasetOptions(LabelsPath: Labels(0))));
        Assert.Contains("|O", e.Problem);
    }

    [Fact]
    public void Npy_unsupported_dtype_is_refused_naming_it()
    {
        var x = _f.Bytes("x.npy", Npy("<f8", [1, 1, 1, 1], new byte[8]));
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(x, new DatasetOptions(LabelsPath: Labels(0))));
        Assert.Contains("<f8", e.Problem);
    }

    [Fact]
    public void Npy_fortran_order_is_refused()
    {
        var x = _f.Bytes("x.npy", Npy("|u1", [1, 2, 2, 1], new byte[4], fortran: true));
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(x, new DatasetOptions(LabelsPath: Labels(0))));
        Assert.Contains("Fortran", e.Problem);
    }

    [Fact]
    public void Npy_of_a_non_image_shape_is_refused()
    {
        var x = _f.Bytes("x.npy", Npy("|u1", [2, 4], new byte[8]));
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(x, new DatasetOptions(LabelsPath: Labels(0, 1))));
        Assert.Contains("(2, 4)", e.Problem);
    }

    [Fact]
    public void Npy_with_fewer_labels_than_images_is_refused()
    {
        var x = _f.Bytes("x.npy", Npy("|u1", [2, 1, 1], new byte[2]));
        var y = Labels(0);
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(x, new DatasetOptions(LabelsPath: y)));
        Assert.Equal(y, e.File);
    }

    [Fact]
    public void Npy_without_images_is_an_empty_dataset_error()
    {
        var x = _f.Bytes("x.npy", Npy("|u1", [0, 2, 2], []));
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(x, new DatasetOptions(LabelsPath: _f.Bytes("e.npy", Npy("<i8", [0], [])))));
        Assert.Contains("empty", e.Problem);
    }

    [Fact]
    public void Npz_reads_the_named_arrays_from_a_compressed_archive()
    {
        var npz = _f.Npz("set.npz",
            ("images", Npy("|u1", [2, 1, 1], [0, 255])),
            ("targets", Npy("|u1", [2], [3, 1])));
        using var d = Datasets.Open(npz, new DatasetOptions(ImagesKey: "images", LabelsKey: "targets"));
        Assert.Equal([3, 1], d.Labels);
        Assert.Equal([0f, 1f], d.ReadBatches([0, 1], 2).Single().Pixels);
    }

    [Fact]
    public void Npz_without_the_requested_key_names_the_keys_it_has()
    {
        var npz = _f.Npz("set.npz", ("a", Npy("|u1", [1, 1, 1], [0])));
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(npz));
        Assert.Contains("'x'", e.Problem);
        Assert.Contains("a", e.Problem);
    }

    [Fact]
    public void Idx_images_find_their_labels_by_mnist_naming()
    {
        var images = _f.Bytes("t10k-images-idx3-ubyte", Idx([2, 1, 2], [0, 255, 51, 0]));
        _f.Bytes("t10k-labels-idx1-ubyte", Idx([2], [7, 9]));
        using var d = Datasets.Open(images);
        Assert.Equal(new ImageGeometry(1, 1, 2), d.Geometry);
        Assert.Equal([7, 9], d.Labels);
        Assert.Equal([0f, 1f, 0.2f, 0f], d.ReadBatches([0, 1], 2).Single().Pixels);
    }

    [Fact]
    public void Idx_images_without_labels_beside_them_ask_for_a_labels_file()
    {
        var images = _f.Bytes("train-images-idx3-ubyte", Idx([1, 1, 1], [0]));
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(images));
        Assert.Contains("train-labels-idx1-ubyte", e.Problem);
    }

    [Fact]
    public void Idx_file_that_is_truncated_is_refused()
    {
        var images = _f.Bytes("t10k-images-idx3-ubyte", Idx([2, 2, 2], [1, 2, 3]));
        _f.Bytes("t10k-labels-idx1-ubyte", Idx([2], [0, 1]));
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(images));
        Assert.Equal(images, e.File);
        Assert.Contains("truncated", e.Problem);
    }
}
