using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using static AdvScan.Data.Tests.Fixtures;

namespace AdvScan.Data.Tests;

/// <summary>
/// The data readers against hostile inputs the tests build themselves: reads out of the data root through rows, links
/// and class folders, FIFOs where images should be, headers that declare more than exists, shapes whose products
/// overflow, archives that inflate without bound, manifests without end. Each is one located
/// <see cref="InvalidInputException"/>, raised before the harm (the open, the allocation, the inflation).
/// </summary>
public sealed class HostileDataTests : IDisposable
{
    private readonly Fixtures _f = new();

    public void Dispose() => _f.Dispose();

    private string Outside(string name = "outside")
    {
        var outside = Directory.CreateDirectory(_f.PathOf(name)).FullName;
        return outside;
    }

    private string Fifo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var mkfifo = Process.Start("mkfifo", [path])) mkfifo.WaitForExit();
        Assert.Equal(FileKind.Fifo, TrustBoundary.KindOf(path));
        return path;
    }

    private static InvalidInputException Refused(Func<IImageDataset> open)
    {
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InvalidInputException>(() => { using var d = open(); _ = d.ReadBatches(Enumerable.Range(0, d.Count).ToList(), 8).ToList(); });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        return e;
    }

    [Fact]
    public void A_manifest_row_that_leaves_the_data_root_is_refused_on_its_line_before_it_is_opened()
    {
        if (OperatingSystem.IsWindows()) return;
        // The target is a FIFO: opening it would block forever, so a refusal in bounded time proves it was never opened.
        Fifo(Path.Combine(Outside(), "secret.png"));
        _f.Png("set/a.png", 2, 2, (10, 20, 30));
        var manifest = _f.Text("set/m.csv", "path,label\na.png,0\n../outside/secret.png,0\n");
        var e = Refused(() => Datasets.Open(manifest));
        Assert.Equal(3, e.Line);
        Assert.Contains("outside the data root", e.Problem);
        Assert.Contains("--data-root", e.Problem);

        var absolute = _f.Text("set/abs.csv", $"path,label\n{_f.PathOf("outside", "secret.png")},0\n");
        Assert.Equal(2, Refused(() => Datasets.Open(absolute)).Line);
    }

    [Fact]
    public void A_link_inside_the_data_root_that_points_out_is_refused_like_a_row_that_names_the_target()
    {
        if (OperatingSystem.IsWindows()) return;
        var secret = _f.Png("outside/s.png", 2, 2, (1, 2, 3));
        _f.Png("set/a.png", 2, 2, (10, 20, 30));
        File.CreateSymbolicLink(_f.PathOf("set", "b.png"), secret);
        var manifest = _f.Text("set/m.csv", "path,label\na.png,0\nb.png,0\n");
        Assert.Contains("outside the data root", Refused(() => Datasets.Open(manifest)).Problem);
    }

    [Fact]
    public void A_wider_data_root_lets_a_manifest_name_images_outside_its_folder()
    {
        _f.Png("images/a.png", 2, 2, (10, 20, 30));
        _f.Png("images/b.png", 2, 2, (30, 20, 10));
        var manifest = _f.Text("lists/m.csv", "path,label\n../images/a.png,0\n../images/b.png,1\n");
        Assert.Contains("outside the data root", Refused(() => Datasets.Open(manifest)).Problem);
        using var d = Datasets.Open(manifest, new DatasetOptions(Root: _f.Root));
        Assert.Equal([0, 1], d.Labels);
        Assert.Equal(2, d.ReadBatches([0, 1], 2).Single().Count);
    }

    [Fact]
    public void A_symlinked_class_folder_that_points_out_is_refused_before_it_is_listed()
    {
        if (OperatingSystem.IsWindows()) return;
        var outside = Outside();
        Fifo(Path.Combine(outside, "x.png"));
        _f.Png("set/cat/a.png", 2, 2, (10, 20, 30));
        Directory.CreateSymbolicLink(_f.PathOf("set", "dog"), outside);
        var e = Refused(() => Datasets.Open(_f.PathOf("set")));
        Assert.Contains("class folder 'dog'", e.Problem);
        Assert.Contains("outside the data root", e.Problem);
    }

    [Fact]
    public void A_symlinked_class_folder_inside_the_root_is_read()
    {
        if (OperatingSystem.IsWindows()) return;
        _f.Png("set/cat/a.png", 2, 2, (10, 20, 30));
        _f.Png("set/.store/b.png", 2, 2, (30, 20, 10));
        Directory.CreateSymbolicLink(_f.PathOf("set", "dog"), ".store");
        using var d = Datasets.Open(_f.PathOf("set"));
        Assert.Equal(["cat", "dog"], d.ClassNames!);
        Assert.Equal([0, 1], d.Labels);
    }

    [Fact]
    public void A_fifo_among_the_images_of_a_folder_or_a_manifest_is_refused_by_kind_and_skipped_on_request()
    {
        if (OperatingSystem.IsWindows()) return;
        _f.Png("set/cat/a.png", 2, 2, (10, 20, 30));
        Fifo(_f.PathOf("set", "cat", "b.png"));
        var e = Refused(() => Datasets.Open(_f.PathOf("set")));
        Assert.Contains("FIFO", e.Problem);
        using (var d = Datasets.Open(_f.PathOf("set"), new DatasetOptions(SkipInvalid: true)))
        {
            Assert.Equal(1, d.Count);
            Assert.Contains("FIFO", Assert.Single(d.Skipped).Reason);
        }

        var manifest = _f.Text("set/m.csv", "path,label\ncat/a.png,0\ncat/b.png,0\n");
        var row = Refused(() => Datasets.Open(manifest));
        Assert.Equal(3, row.Line);
        Assert.Contains("FIFO", row.Problem);
    }

    [Fact]
    public void A_fifo_or_a_device_named_as_the_data_or_its_labels_is_refused_by_kind()
    {
        if (OperatingSystem.IsWindows()) return;
        Assert.Contains("FIFO", Refused(() => Datasets.Open(Fifo(_f.PathOf("x.npy")))).Problem);
        Assert.Contains("device", Refused(() => Datasets.Open("/dev/zero")).Problem);
        var x = _f.Bytes("images.npy", Npy("|u1", [1, 1, 1], [0]));
        Assert.Contains("FIFO", Refused(() => Datasets.Open(x, new DatasetOptions(LabelsPath: Fifo(_f.PathOf("y.npy"))))).Problem);
        Assert.Contains("device", Refused(() => Datasets.Open(x, new DatasetOptions(LabelsPath: "/dev/zero"))).Problem);
        var idx = _f.Bytes("t-images-idx3-ubyte", Idx([1, 1, 1], [0]));
        Fifo(_f.PathOf("t-labels-idx1-ubyte"));
        Assert.Contains("FIFO", Refused(() => Datasets.Open(idx)).Problem);
    }

    [Fact]
    public void An_image_header_that_declares_more_pixels_than_the_limit_is_refused_before_decoding()
    {
        _f.Png("set/cat/a.png", 40, 30, (10, 20, 30));
        using (ResourceLimits.Use(new ResourceLimits { MaxImagePixels = 1000 }))
        {
            var e = Refused(() => Datasets.Open(_f.PathOf("set")));
            Assert.Contains("40x30", e.Problem);
            Assert.Contains("maxImagePixels", e.Problem);
            // --skip-invalid does not hide a limit: it is not an invalid file.
            Assert.Contains("maxImagePixels", Refused(() => Datasets.Open(_f.PathOf("set"), new DatasetOptions(SkipInvalid: true))).Problem);
            Assert.Contains("maxImagePixels", Assert.Throws<InvalidInputException>(() => ImageFiles.DecodeRgb(_f.PathOf("set", "cat", "a.png"))).Problem);
        }
        using var d = Datasets.Open(_f.PathOf("set"));
        Assert.Equal(1, d.Count);
    }

    [Fact]
    public void A_12000_by_12000_png_of_420_kb_is_refused_from_its_header_in_milliseconds()
    {
        var png = _f.Bytes("set/cat/huge.png", HostileImages.HugePng(12000, 12000));
        Assert.InRange(new FileInfo(png).Length, 100_000, 1_000_000);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Refused(() => Datasets.Open(_f.PathOf("set"), new DatasetOptions(Resize: ResizePolicy.Stretch, Height: 32, Width: 32)));
        Assert.Contains("12000x12000", e.Problem);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 64 << 20, "the refusal allocated more than 64 MB");
    }

    [Fact]
    public void Npy_and_idx_shapes_whose_products_overflow_are_refused_naming_the_file_and_offset()
    {
        var npy = _f.Bytes("x.npy", Npy("|u1", [1L << 40, 1L << 40], new byte[16]));
        var y = _f.Bytes("y.npy", Npy("|u1", [1], [0]));
        var e = Refused(() => Datasets.Open(npy, new DatasetOptions(LabelsPath: y)));
        Assert.Equal(npy, e.File);
        Assert.Contains("offset", e.Problem);
        Assert.Contains("overflow", e.Problem, StringComparison.OrdinalIgnoreCase);

        var wide = _f.Bytes("w.npy", Npy("<f4", [1, 1L << 62, 1L << 62, 3], new byte[16]));
        Assert.Contains("offset", Refused(() => Datasets.Open(wide, new DatasetOptions(LabelsPath: y))).Problem);

        var idx = _f.Bytes("o-images-idx3-ubyte", Idx([int.MaxValue, int.MaxValue, int.MaxValue], new byte[16]));
        _f.Bytes("o-labels-idx1-ubyte", Idx([1], [0]));
        var i = Refused(() => Datasets.Open(idx));
        Assert.Equal(idx, i.File);
        Assert.Contains("offset 4", i.Problem);
    }

    [Fact]
    public void Npy_and_idx_image_sizes_and_counts_are_bounded_before_any_example_is_read()
    {
        // A sparse file holds the bytes the header promises without using the disk.
        var x = _f.PathOf("big.npy");
        var header = Npy("|u1", [1, 6000, 6000], []);
        using (var stream = File.Create(x)) { stream.Write(header); stream.SetLength(header.Length + 36_000_000L); }
        var y = _f.Bytes("y.npy", Npy("|u1", [1], [0]));
        Assert.Contains("maxImagePixels", Refused(() => Datasets.Open(x, new DatasetOptions(LabelsPath: y))).Problem);

        var labels = _f.Bytes("many.npy", Npy("|u1", [5000], new byte[5000]));
        var small = _f.Bytes("small.npy", Npy("|u1", [5000, 1, 1], new byte[5000]));
        using (ResourceLimits.Use(new ResourceLimits { MaxExamples = 1000 }))
            Assert.Contains("maxExamples", Refused(() => Datasets.Open(small, new DatasetOptions(LabelsPath: labels))).Problem);

        var zero = _f.Bytes("z-images-idx3-ubyte", Idx([1, 0, 5], []));
        _f.Bytes("z-labels-idx1-ubyte", Idx([1], [0]));
        Assert.Contains("1x1", Refused(() => Datasets.Open(zero)).Problem);
    }

    [Fact]
    public void An_npz_member_that_would_inflate_past_the_cap_is_refused_before_inflating_and_nothing_is_extracted()
    {
        var temp = Path.GetTempPath();
        int leftovers = Directory.GetDirectories(temp, "advscan-npz-*").Length;
        var npz = _f.PathOf("bomb.npz");
        using (var zip = ZipFile.Open(npz, ZipArchiveMode.Create))
        {
            using (var s = zip.CreateEntry("x.npy", CompressionLevel.Optimal).Open())
            {
                s.Write(Npy("|u1", [100, 100, 100], []));
                s.Write(new byte[1_000_000]);
            }
            using (var s = zip.CreateEntry("y.npy", CompressionLevel.Optimal).Open()) s.Write(Npy("|u1", [100], new byte[100]));
        }
        Assert.True(new FileInfo(npz).Length < 20_000);
        using (ResourceLimits.Use(new ResourceLimits { MaxInflatedBytes = 100_000 }))
        {
            var e = Refused(() => Datasets.Open(npz));
            Assert.Equal($"{npz}:x", e.File);
            Assert.Contains("maxInflatedBytes", e.Problem);
            Assert.Contains("before inflating", e.Problem);
        }
        using (var d = Datasets.Open(npz))
        {
            Assert.Equal(100, d.Count);
            Assert.Equal(2, d.ReadBatches([3, 99], 2).Single().Count);
            // Backwards after forwards: the member is re-inflated from its start.
            Assert.Equal(2, d.ReadBatches([0, 1], 2).Single().Count);
        }
        Assert.Equal(leftovers, Directory.GetDirectories(temp, "advscan-npz-*").Length);
    }

    [Fact]
    public void A_stored_npz_member_is_read_in_place_and_one_that_declares_more_than_it_holds_is_truncated()
    {
        var npz = _f.PathOf("stored.npz");
        using (var zip = ZipFile.Open(npz, ZipArchiveMode.Create))
        {
            using (var s = zip.CreateEntry("x.npy", CompressionLevel.NoCompression).Open()) s.Write(Npy("|u1", [2, 1, 1], [0, 255]));
            using (var s = zip.CreateEntry("y.npy", CompressionLevel.NoCompression).Open()) s.Write(Npy("|u1", [2], [1, 0]));
        }
        using (var d = Datasets.Open(npz))
            Assert.Equal([1f, 0f], d.ReadBatches([1, 0], 2).Single().Pixels);

        var lying = _f.PathOf("lying.npz");
        using (var zip = ZipFile.Open(lying, ZipArchiveMode.Create))
        {
            using (var s = zip.CreateEntry("x.npy", CompressionLevel.Optimal).Open()) s.Write(Npy("|u1", [2, 1, 1], [0, 255]));
            using (var s = zip.CreateEntry("y.npy", CompressionLevel.Optimal).Open()) s.Write(Npy("|u1", [2], [1, 0]));
        }
        // Patch the central directory's uncompressed size of x.npy upwards: the reader must stop at the real end.
        var bytes = File.ReadAllBytes(lying);
        int central = FindLast(bytes, [0x50, 0x4b, 0x01, 0x02], FindLast(bytes, [0x50, 0x4b, 0x01, 0x02], bytes.Length) - 1);
        uint declared = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(central + 24));
        Assert.Equal("x.npy", Encoding.ASCII.GetString(bytes, central + 46, 5));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(central + 24), declared + 1000);
        File.WriteAllBytes(lying, bytes);
        var patched = Npy("|u1", [2, 1, 1], [0, 255]);
        Assert.Equal(patched.Length, (int)declared);
        using var lied = Datasets.Open(lying);
        Assert.Equal(2, lied.Count);
        Assert.Equal([1f, 0f], lied.ReadBatches([1, 0], 2).Single().Pixels);
    }

    [Fact]
    public void A_corrupt_npz_is_one_located_error()
    {
        var npz = _f.Npz("c.npz", ("x", Npy("|u1", [2, 1, 1], [0, 255])), ("y", Npy("|u1", [2], [1, 0])));
        var bytes = File.ReadAllBytes(npz);
        for (int i = 40; i < 60; i++) bytes[i] ^= 0x5a;
        File.WriteAllBytes(npz, bytes);
        var e = Refused(() => Datasets.Open(npz));
        Assert.StartsWith(npz, e.File);
        var junk = _f.Bytes("junk.npz", [1, 2, 3]);
        Assert.Equal(junk, Refused(() => Datasets.Open(junk)).File);
    }

    [Fact]
    public void A_manifest_is_bounded_in_bytes_line_length_and_rows()
    {
        _f.Png("set/a.png", 2, 2, (10, 20, 30));
        var longLine = _f.Text("set/long.csv", "path,label\n" + new string('a', 100_000) + ".png,0\n");
        var e = Refused(() => Datasets.Open(longLine));
        Assert.Equal(2, e.Line);
        Assert.Contains("maxLineLength", e.Problem);

        var rows = _f.Text("set/rows.csv", "path,label\n" + string.Concat(Enumerable.Repeat("a.png,0\n", 50)));
        using (ResourceLimits.Use(new ResourceLimits { MaxExamples = 20 }))
            Assert.Equal(22, Refused(() => Datasets.Open(rows)).Line);
        using (ResourceLimits.Use(new ResourceLimits { MaxManifestBytes = 100 }))
            Assert.Contains("maxManifestBytes", Refused(() => Datasets.Open(rows)).Problem);
        using var d = Datasets.Open(rows);
        Assert.Equal(50, d.Count);
    }

    [Fact]
    public void A_nul_in_a_manifest_row_is_one_located_error()
    {
        var manifest = _f.Text("set/m.csv", "path,label\na\0b.png,0\n");
        var e = Refused(() => Datasets.Open(manifest));
        Assert.Equal(2, e.Line);
        Assert.Contains("NUL", e.Problem);
        Assert.Contains("NUL", Refused(() => Datasets.Open("bad\0path")).Problem);
    }

    private static int FindLast(byte[] bytes, byte[] pattern, int before)
    {
        for (int i = Math.Min(before, bytes.Length - pattern.Length); i >= 0; i--)
            if (bytes.AsSpan(i, pattern.Length).SequenceEqual(pattern)) return i;
        throw new InvalidOperationException("pattern not found");
    }
}
