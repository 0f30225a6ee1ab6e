using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SkiaSharp;
using TrainingFixtures = AdvScan.Training.Tests.Fixtures;

namespace AdvScan.Cli.Tests.Hostile;

/// <summary>
/// The file-system side of the trust boundary, against the real <c>advscan</c> process: one test per class of harm
/// (writes outside the allowed places, reads out through rows, links, class folders and shard reports, FIFOs where
/// data should be, headers and archives that exhaust memory or disk, parser overflows and NULs). Every hostile input is
/// built by the test. Each run must end with exit 2 and one located line, within seconds and under a memory ceiling,
/// print nothing of the planted secret, and write nothing outside the places the user named.
/// </summary>
public sealed class HostileFilesTests : IDisposable
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);
    private const long Ceiling = 1L << 30;
    private static readonly string Signs = TrainingFixtures.PathOf("signs-cnn.onnx");
    private static readonly string Mnist = TrainingFixtures.PathOf("mnist-cnn.onnx");
    private static readonly string MnistImages = TrainingFixtures.PathOf("mnist-test-images-idx3-ubyte");
    private static readonly string MnistLabels = TrainingFixtures.PathOf("mnist-test-labels-idx1-ubyte");

    private readonly HostileRun _run = new();

    public void Dispose() => _run.Dispose();

    private string Root => _run.Root;
    private string Outside => Directory.CreateDirectory(Path.Combine(_run.Folder, "outside")).FullName;

    private static HostileOutcome Advscan(params string[] args) => HostileRun.Advscan(args, Quick, Ceiling);

    /// <summary>Runs <paramref name="args"/>, requires the usual refusal, and that no file under the test's folder changed.</summary>
    private HostileOutcome Refused(string? mentions, params string[] args)
    {
        var before = _run.Snapshot();
        var outcome = Advscan(args);
        HostileRun.AssertRefused(outcome, mentions);
        Assert.Equal(before, _run.Snapshot());
        return outcome;
    }

    private static string Fifo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var mkfifo = Process.Start("mkfifo", [path])) mkfifo.WaitForExit();
        Assert.Equal(FileKind.Fifo, TrustBoundary.KindOf(path));
        return path;
    }

    private static string Png(string path, int size = 32)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(new SKColor(200, 30, 30));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private string Config(string name, string json)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, json.ReplaceLineEndings("\n"));
        return path;
    }

    private static string Q(string text) => JsonSerializer.Serialize(text);

    private static int LineOf(string file, string text) => Array.FindIndex(File.ReadAllLines(file), l => l.Contains(text, StringComparison.Ordinal)) + 1;

    // ---- Writes outside the allowed places ----

    [Fact]
    public void A_patch_check_cannot_write_outside_the_config_folder()
    {
        if (OperatingSystem.IsWindows()) return;
        var victim = Path.Combine(Outside, "victim.txt");
        File.WriteAllText(victim, "keep");
        Directory.CreateSymbolicLink(Path.Combine(Root, "patches"), Outside);
        foreach (var (key, value) in new[] { ("savePatch", "../outside/victim.txt"), ("savePatch", victim), ("saveExamples", "../outside"), ("savePatch", "patches/p.png") })
        {
            var config = Config("advscan.json", $$"""
                {
                  "model": {{Q(Mnist)}},
                  "data": { "path": {{Q(MnistImages)}}, "labels": {{Q(MnistLabels)}} },
                  "sample": { "size": 10 },
                  "checks": [ { "check": "patch", "steps": 1,
                    {{Q(key)}}: {{Q(value)}} } ]
                }
                """);
            var outcome = Refused($"{config}({LineOf(config, key)},1)", "scan", config);
            Assert.Contains("outside", outcome.Err);
            Assert.Equal("keep", File.ReadAllText(victim));
        }
        // With --output-dir, relative outputs resolve against that folder and may not leave it either.
        var outputs = Directory.CreateDirectory(Path.Combine(_run.Folder, "out")).FullName;
        var again = Config("advscan.json", $$"""
            {
              "model": {{Q(Mnist)}},
              "data": { "path": {{Q(MnistImages)}}, "labels": {{Q(MnistLabels)}} },
              "checks": [ { "check": "patch", "savePatch": "../outside/victim.txt" } ]
            }
            """);
        Refused("outside", "scan", again, "--output-dir", outputs);
    }

    [Fact]
    public void A_link_planted_at_a_report_path_or_its_old_partial_name_is_never_followed()
    {
        if (OperatingSystem.IsWindows()) return;
        var victim = Path.Combine(Outside, "victim.txt");
        File.WriteAllText(victim, "keep");
        var config = Config("advscan.json", $$"""
            {
              "model": {{Q(Mnist)}},
              "data": { "path": {{Q(MnistImages)}}, "labels": {{Q(MnistLabels)}} },
              "sample": { "size": 8 }
            }
            """);
        // The report path itself a link: refused before the scan runs.
        var linked = Path.Combine(Root, "linked.json");
        File.CreateSymbolicLink(linked, victim);
        Refused("link", "scan", config, "--json", linked);
        Refused("link", "eval", "--model", Mnist, "--data", MnistImages, "--limit", "4", "--json", linked);

        // A link at <report>.partial (the fixed temporary name writes once used): the report is written beside it.
        var report = Path.Combine(Root, "report.json");
        File.CreateSymbolicLink(report + ".partial", victim);
        var outcome = Advscan("scan", config, "--json", report);
        Assert.True(outcome.Exit == 0, outcome.All);
        Assert.Equal("keep", File.ReadAllText(victim));
        Assert.Equal(FileKind.Regular, TrustBoundary.KindOf(report));
        Assert.Contains("\"examples\"", File.ReadAllText(report));
        Assert.DoesNotContain(Directory.GetFiles(Root), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    // ---- Reads out of the data root ----

    [Fact]
    public void Manifest_rows_that_leave_the_data_root_are_refused_on_their_line_before_opening_unless_the_root_is_widened()
    {
        if (OperatingSystem.IsWindows()) return;
        _run.PlantSecret();
        // A FIFO outside: were it opened, the run would hang; the secret file beside it must not be read either.
        Fifo(Path.Combine(Outside, "pipe.png"));
        Png(Path.Combine(Root, "data", "a.png"));
        var manifest = Path.Combine(Root, "data", "m.csv");
        foreach (var row in new[] { "../../outside/pipe.png", Path.Combine(Outside, "secret.txt"), "/proc/self/environ" })
        {
            File.WriteAllText(manifest, $"path,label\na.png,stop\n{row},stop\n");
            var outcome = Refused($"{manifest}(3", "eval", "--model", Signs, "--data", manifest);
            Assert.Contains("outside the data root", outcome.Err);
        }
        // The same rows through advscan.json: refused on the manifest's line as well.
        File.WriteAllText(manifest, "path,label\na.png,stop\n../../outside/pipe.png,stop\n");
        var config = Config("advscan.json", $$"""
            {
              "model": {{Q(Signs)}},
              "data": { "path": "data/m.csv" }
            }
            """);
        Refused($"{manifest}(3,1)", "scan", config);

        // The documented opt-in: a wider root lets a manifest name images elsewhere.
        var elsewhere = Png(Path.Combine(_run.Folder, "images", "b.png"));
        File.WriteAllText(manifest, $"path,label\na.png,stop\n{elsewhere},yield\n");
        Refused("outside the data root", "eval", "--model", Signs, "--data", manifest);
        var widened = Advscan("eval", "--model", Signs, "--data", manifest, "--data-root", _run.Folder);
        Assert.True(widened.Exit == 0, widened.All);
        Assert.Contains("/2)", widened.Out);
        var opted = Config("opted.json", $$"""
            {
              "model": {{Q(Signs)}},
              "data": { "path": "data/m.csv", "root": ".." }
            }
            """);
        var scanned = Advscan("scan", opted);
        Assert.True(scanned.Exit == 0, scanned.All);
    }

    [Fact]
    public void A_symlinked_class_folder_or_image_that_points_out_of_the_data_root_is_refused_naming_the_entry()
    {
        if (OperatingSystem.IsWindows()) return;
        var secret = _run.PlantSecret();
        Fifo(Path.Combine(Outside, "pipe.png"));
        var data = Path.Combine(Root, "signs");
        Png(Path.Combine(data, "stop", "a.png"));
        Directory.CreateSymbolicLink(Path.Combine(data, "yield"), Outside);
        Refused("class folder 'yield'", "eval", "--model", Signs, "--data", data);

        Directory.Delete(Path.Combine(data, "yield"));
        File.CreateSymbolicLink(Path.Combine(data, "stop", "b.png"), secret);
        Refused("entry 'stop/b.png'", "eval", "--model", Signs, "--data", data);
    }

    [Fact]
    public void Merge_never_opens_the_config_a_shard_report_names()
    {
        if (OperatingSystem.IsWindows()) return;
        var config = Config("advscan.json", $$"""
            {
              "model": {{Q(Mnist)}},
              "data": { "path": {{Q(MnistImages)}}, "labels": {{Q(MnistLabels)}} },
              "sample": { "size": 8 },
              "nearThreshold": 0.5
            }
            """);
        var shard = Path.Combine(Root, "shard0.json");
        var scanned = Advscan("scan", config, "--shard", "0/1", "--json", shard);
        Assert.True(scanned.Exit == 0, scanned.All);

        // The shard now names a FIFO (opening it would hang), then a file that would print the secret if read as a config.
        var secretConfig = Path.Combine(Outside, "advscan.json");
        File.WriteAllText(secretConfig, $"{{ \"{HostileRun.Secret}\": 1 }}\n");
        foreach (var named in new[] { Fifo(Path.Combine(Outside, "pipe.json")), secretConfig, "/dev/zero" })
        {
            var report = JsonNode.Parse(File.ReadAllText(shard))!;
            report["configFile"] = named;
            File.WriteAllText(shard, report.ToJsonString());
            var merged = Advscan("merge", shard);
            Assert.False(merged.Killed, merged.All);
            Assert.True(merged.Exit == 0, merged.All);
            Assert.DoesNotContain(HostileRun.Secret, merged.All);
        }
        // Only a config the user names is read, for its nearThreshold.
        var withConfig = Advscan("merge", shard, "--config", config);
        Assert.True(withConfig.Exit == 0, withConfig.All);
        Refused("FIFO", "merge", shard, "--config", Path.Combine(Outside, "pipe.json"));
    }

    // ---- FIFOs and devices where data should be ----

    [Fact]
    public void A_fifo_as_an_image_in_a_folder_or_a_manifest_or_as_the_data_or_labels_is_refused_by_kind()
    {
        if (OperatingSystem.IsWindows()) return;
        var data = Path.Combine(Root, "signs");
        Png(Path.Combine(data, "stop", "a.png"));
        Fifo(Path.Combine(data, "stop", "b.png"));
        Refused("FIFO", "eval", "--model", Signs, "--data", data);

        var manifest = Path.Combine(data, "m.csv");
        File.WriteAllText(manifest, "path,label\nstop/a.png,stop\nstop/b.png,stop\n");
        Refused($"{manifest}(3)", "eval", "--model", Signs, "--data", manifest);

        Refused("FIFO", "eval", "--model", Mnist, "--data", Fifo(Path.Combine(Root, "x-images-idx3-ubyte")));
        Refused("FIFO", "eval", "--model", Mnist, "--data", MnistImages, "--labels", Fifo(Path.Combine(Root, "y-labels-idx1-ubyte")));
        Refused("device", "eval", "--model", Mnist, "--data", "/dev/zero");

        var config = Config("advscan.json", $$"""
            {
              "model": {{Q(Mnist)}},
              "data": { "path": {{Q(MnistImages)}}, "labels": "y-labels-idx1-ubyte" }
            }
            """);
        Refused($"{config}({LineOf(config, "\"labels\"")},1)", "scan", config);
    }

    // ---- Memory and disk exhaustion from headers and archives ----

    [Fact]
    public void A_420_kb_png_declaring_12000_by_12000_pixels_is_refused_from_its_header_in_little_memory()
    {
        var data = Path.Combine(Root, "signs");
        var png = Path.Combine(Directory.CreateDirectory(Path.Combine(data, "stop")).FullName, "huge.png");
        File.WriteAllBytes(png, Data.Tests.HostileImages.HugePng(12000, 12000));
        Assert.InRange(new FileInfo(png).Length, 100_000, 1_000_000);
        var outcome = HostileRun.Advscan(["eval", "--model", Signs, "--data", data, "--resize", "stretch"], Quick, 512L << 20);
        HostileRun.AssertRefused(outcome, "12000x12000");
        Assert.Contains("maxImagePixels", outcome.Err);
    }

    [Fact]
    public void A_small_npz_that_inflates_past_the_cap_is_refused_before_inflating_and_writes_nothing()
    {
        // About 1.1 GB of zeros (just over the 1 GiB default cap) deflated to about a megabyte.
        var npz = Path.Combine(Root, "bomb.npz");
        const long count = 1_400_000;
        using (var zip = ZipFile.Open(npz, ZipArchiveMode.Create))
        {
            using (var s = zip.CreateEntry("x.npy", CompressionLevel.Fastest).Open())
            {
                s.Write(Npy("|u1", [count, 28, 28]));
                var zeros = new byte[1 << 20];
                for (long left = count * 784; left > 0; left -= zeros.Length) s.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
            }
            using (var s = zip.CreateEntry("y.npy", CompressionLevel.Fastest).Open())
            {
                s.Write(Npy("|u1", [count]));
                s.Write(new byte[count]);
            }
        }
        Assert.True(new FileInfo(npz).Length < 16 << 20, $"{new FileInfo(npz).Length} bytes");
        var temp = Directory.GetDirectories(Path.GetTempPath(), "advscan-npz-*").Length;
        var outcome = Refused("maxInflatedBytes", "eval", "--model", Mnist, "--data", npz, "--limit", "10");
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(20), $"took {outcome.Elapsed}");
        Assert.Equal(temp, Directory.GetDirectories(Path.GetTempPath(), "advscan-npz-*").Length);
    }

    [Fact]
    public void A_manifest_with_a_line_past_the_limit_is_refused_on_that_line()
    {
        var manifest = Path.Combine(Root, "m.csv");
        File.WriteAllText(manifest, "path,label\n" + new string('a', 1_000_000) + ",stop\n");
        Refused($"{manifest}(2)", "eval", "--model", Signs, "--data", manifest);
    }

    // ---- Parser overflows and NULs ----

    [Fact]
    public void Npy_and_idx_shapes_whose_products_overflow_are_one_line_naming_the_file_and_offset()
    {
        var npy = Path.Combine(Root, "x.npy");
        File.WriteAllBytes(npy, [.. Npy("|u1", [1L << 40, 1L << 40, 1L << 40]), .. new byte[64]]);
        var labels = Path.Combine(Root, "y.npy");
        File.WriteAllBytes(labels, [.. Npy("|u1", [1]), 0]);
        Refused("offset", "eval", "--model", Mnist, "--data", npy, "--labels", labels);

        var idx = Path.Combine(Root, "o-images-idx3-ubyte");
        var header = new byte[16];
        header[2] = 0x08;
        header[3] = 3;
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), int.MaxValue);
        File.WriteAllBytes(idx, header);
        File.WriteAllBytes(Path.Combine(Root, "o-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 1, 0]);
        Refused($"{idx}: IDX header at offset 4", "eval", "--model", Mnist, "--data", idx);
    }

    [Fact]
    public void A_nul_in_a_manifest_row_or_a_config_path_is_one_located_line()
    {
        Png(Path.Combine(Root, "a.png"));
        var manifest = Path.Combine(Root, "m.csv");
        File.WriteAllText(manifest, "path,label\na.png,stop\na\0.png,stop\n");
        Refused($"{manifest}(3)", "eval", "--model", Signs, "--data", manifest);

        foreach (var key in new[] { "labels", "root" })
        {
            var config = Config("advscan.json", $$"""
                {
                  "model": {{Q(Mnist)}},
                  "data": { "path": {{Q(MnistImages)}},
                    {{Q(key)}}: "a\u0000b" }
                }
                """);
            Refused($"{config}({LineOf(config, key)},1)", "scan", config);
        }
        var patch = Config("patch.json", $$"""
            {
              "model": {{Q(Mnist)}},
              "data": { "path": {{Q(MnistImages)}}, "labels": {{Q(MnistLabels)}} },
              "checks": [ { "check": "patch",
                "savePatch": "p\u0000.png" } ]
            }
            """);
        Refused($"{patch}({LineOf(patch, "savePatch")},1)", "scan", patch);
    }

    /// <summary>An .npy header (version 1.0) for <paramref name="shape"/>, padded as numpy pads it; data follows.</summary>
    private static byte[] Npy(string descr, long[] shape)
    {
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        int total = (10 + dict.Length + 1 + 63) / 64 * 64;
        var header = dict.PadRight(total - 11) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange([1, 0]);
        bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        return bytes.ToArray();
    }
}
