namespace AdvScan.Data.Tests;

public sealed class ImageFileDatasetTests : IDisposable
{
    private readonly Fixtures _f = new();

    public void Dispose() => _f.Dispose();

    private static ImageBatch ReadAll(IImageDataset d) => d.ReadBatches(Enumerable.Range(0, d.Count).ToArray(), d.Count).Single();

    [Fact]
    public void Folder_labels_subfolders_by_sorted_name_and_decodes_rgb_in_unit_range()
    {
        _f.Png("set/zebra/a.png", 2, 2, (255, 0, 0));
        _f.Png("set/ant/b.png", 2, 2, (0, 51, 255));
        using var d = Datasets.Open(_f.PathOf("set"));
        Assert.Equal(["ant", "zebra"], d.ClassNames!);
        Assert.Equal([0, 1], d.Labels);
        Assert.Equal(new ImageGeometry(3, 2, 2), d.Geometry);
        var batch = ReadAll(d);
        Assert.Equal([0f, 0, 0, 0, 0.2f, 0.2f, 0.2f, 0.2f, 1, 1, 1, 1], batch.Pixels[..12]);
        Assert.Equal([1f, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0], batch.Pixels[12..]);
    }

    [Fact]
    public void Folder_uses_declared_class_order_when_given()
    {
        _f.Png("set/ant/a.png", 2, 2, (1, 2, 3));
        _f.Png("set/zebra/b.png", 2, 2, (1, 2, 3));
        using var d = Datasets.Open(_f.PathOf("set"), new DatasetOptions(ClassNames: ["zebra", "ant"]));
        Assert.Equal([1, 0], d.Labels);
    }

    [Fact]
    public void Folder_with_a_non_image_file_fails_naming_that_file()
    {
        _f.Png("set/cat/a.png", 2, 2, (1, 2, 3));
        var notes = _f.Text("set/cat/notes.txt", "not an image");
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(_f.PathOf("set")));
        Assert.Equal(notes, e.File);
    }

    [Fact]
    public void Folder_with_skip_invalid_leaves_bad_files_out_and_reports_them()
    {
        _f.Png("set/cat/a.png", 2, 2, (1, 2, 3));
        var notes = _f.Text("set/cat/notes.txt", "not an image");
        var broken = _f.Bytes("set/dog/broken.png", [0x89, (byte)'P', (byte)'N', (byte)'G']);
        _f.Png("set/dog/b.png", 2, 2, (1, 2, 3));
        using var d = Datasets.Open(_f.PathOf("set"), new DatasetOptions(SkipInvalid: true));
        Assert.Equal(2, d.Count);
        Assert.Equal([notes, broken], d.Skipped.Select(s => s.Source));
    }

    [Fact]
    public void Folder_of_mixed_sizes_without_a_resize_policy_fails_naming_the_odd_image()
    {
        _f.Png("set/cat/a.png", 2, 2, (1, 2, 3));
        var odd = _f.Png("set/cat/b.png", 3, 2, (1, 2, 3));
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(_f.PathOf("set")));
        Assert.Equal(odd, e.File);
        Assert.Contains("resize", e.Problem);
    }

    [Fact]
    public void Stretch_resizes_every_image_to_the_target_size()
    {
        _f.Png("set/cat/a.png", 2, 2, (255, 255, 255));
        _f.Png("set/cat/b.png", 5, 3, (0, 0, 0));
        using var d = Datasets.Open(_f.PathOf("set"), new DatasetOptions(Resize: ResizePolicy.Stretch, Height: 4, Width: 4));
        var batch = ReadAll(d);
        Assert.Equal([2, 3, 4, 4], batch.Shape);
        Assert.All(batch.Pixels[..48], v => Assert.Equal(1f, v));
        Assert.All(batch.Pixels[48..], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Empty_folder_is_an_error()
    {
        Directory.CreateDirectory(_f.PathOf("set", "cat"));
        Assert.Throws<InvalidInputException>(() => Datasets.Open(_f.PathOf("set")));
    }

    [Fact]
    public void Csv_resolves_paths_against_its_folder_and_sorts_named_labels()
    {
        _f.Png("data/img/a.png", 2, 2, (1, 2, 3));
        _f.Png("data/img/b.png", 2, 2, (1, 2, 3));
        var csv = _f.Text("data/list.csv", "path,label\nimg/a.png,dog\n\"img/b.png\",cat\n");
        using var d = Datasets.Open(csv);
        Assert.Equal(["cat", "dog"], d.ClassNames!);
        Assert.Equal([1, 0], d.Labels);
    }

    [Fact]
    public void Csv_takes_integer_labels_as_class_indices()
    {
        _f.Png("data/a.png", 2, 2, (1, 2, 3));
        var csv = _f.Text("data/list.csv", "label,path\n7,a.png\n");
        using var d = Datasets.Open(csv);
        Assert.Null(d.ClassNames);
        Assert.Equal([7], d.Labels);
    }

    [Fact]
    public void Csv_row_pointing_at_a_missing_file_fails_with_manifest_and_line()
    {
        _f.Png("data/a.png", 2, 2, (1, 2, 3));
        var csv = _f.Text("data/list.csv", "path,label\na.png,0\nmissing.png,1\n");
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(csv));
        Assert.Equal(csv, e.File);
        Assert.Equal(3, e.Line);
        Assert.Contains("missing.png", e.Problem);
    }

    [Fact]
    public void Csv_label_outside_the_declared_classes_fails_with_its_line()
    {
        _f.Png("data/a.png", 2, 2, (1, 2, 3));
        var csv = _f.Text("data/list.csv", "path,label\na.png,cat\na.png,horse\n");
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(csv, new DatasetOptions(ClassNames: ["cat", "dog"])));
        Assert.Equal(3, e.Line);
        Assert.Contains("horse", e.Problem);
    }

    [Fact]
    public void Csv_without_rows_is_an_empty_dataset_error()
    {
        var csv = _f.Text("data/list.csv", "path,label\n");
        var e = Assert.Throws<InvalidInputException>(() => Datasets.Open(csv));
        Assert.Contains("empty", e.Problem);
    }

    [Fact]
    public void Batches_hold_at_most_the_batch_size_and_keep_the_requested_order()
    {
        for (int i = 0; i < 5; i++) _f.Png($"set/c{i % 2}/{i}.png", 2, 2, ((byte)(i * 50), 0, 0));
        using var d = Datasets.Open(_f.PathOf("set"));
        var batches = d.ReadBatches([4, 0, 2], 2).ToList();
        Assert.Equal([2, 1], batches.Select(b => b.Count));
        Assert.Equal([4, 0, 2], batches.SelectMany(b => b.Indices));
        Assert.Equal(d.Describe(4), batches[0].Sources[0]);
    }
}
