using System.Diagnostics;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning.Configuration;

namespace AdvScan.Scanning.Tests;

/// <summary>
/// Paths an advscan.json names, on a real file system: files it reads are resolved with links followed and must be
/// regular files; outputs it names must stay inside the config's folder (or the output folder given on the command
/// line); the data section's "root" widens the data root. Every refusal is located on the key's line.
/// </summary>
public sealed class ConfigPathTests : IDisposable
{
    private readonly ConfigFiles files = new();

    public void Dispose() => files.Dispose();

    private string Config => files.PathOf("advscan.json");

    private ConfigSection Section(string json, string? outputRoot = null) =>
        ConfigSection.Parse(Config, json, outputRoot: outputRoot);

    [Fact]
    public void An_output_path_stays_inside_the_config_folder_or_the_output_folder()
    {
        var section = Section("""{ "a": "patch.png", "b": "out/x/patch.png", "c": "../victim.txt", "d": "/etc/victim" }""");
        var folder = TrustBoundary.RealPath(files.Folder);
        Assert.Equal(Path.Combine(folder, "patch.png"), section.OutputPath("a"));
        Assert.Equal(Path.Combine(folder, "out", "x", "patch.png"), section.OutputPath("b"));
        var e = Assert.Throws<InvalidInputException>(() => section.OutputPath("c"));
        Assert.Equal(Config, e.File);
        Assert.Equal(1, e.Line);
        Assert.Contains("outside", e.Problem);
        Assert.Throws<InvalidInputException>(() => section.OutputPath("d"));

        var outputs = Directory.CreateDirectory(Path.Combine(files.Folder, "outputs")).FullName;
        var redirected = Section("""{ "a": "patch.png", "c": "../patch.png" }""", outputs);
        Assert.Equal(Path.Combine(TrustBoundary.RealPath(outputs), "patch.png"), redirected.OutputPath("a"));
        Assert.Throws<InvalidInputException>(() => redirected.OutputPath("c"));
    }

    [Fact]
    public void An_output_path_through_a_link_that_leaves_the_folder_is_refused()
    {
        if (OperatingSystem.IsWindows()) return;
        var elsewhere = Directory.CreateTempSubdirectory("advscan-elsewhere-").FullName;
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(files.Folder, "patches"), elsewhere);
            File.CreateSymbolicLink(Path.Combine(files.Folder, "p.png"), Path.Combine(elsewhere, "victim.png"));
            var section = Section("""{ "a": "patches/p.png", "b": "p.png" }""");
            Assert.Contains("outside", Assert.Throws<InvalidInputException>(() => section.OutputPath("a")).Problem);
            Assert.Contains("outside", Assert.Throws<InvalidInputException>(() => section.OutputPath("b")).Problem);
        }
        finally { Directory.Delete(elsewhere, recursive: true); }
    }

    [Fact]
    public void A_file_a_config_names_must_be_a_regular_file_after_its_links_are_followed()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = Path.Combine(files.Folder, "truth.json");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        File.CreateSymbolicLink(Path.Combine(files.Folder, "link.json"), "truth.json");
        File.WriteAllText(Path.Combine(files.Folder, "real.json"), "{}");
        File.CreateSymbolicLink(Path.Combine(files.Folder, "ok.json"), "real.json");
        var section = Section("""
            { "fifo": "truth.json",
              "link": "link.json",
              "device": "/dev/zero",
              "folder": ".",
              "nul": "a\u0000b",
              "ok": "ok.json" }
            """);
        Assert.Contains("FIFO", Assert.Throws<InvalidInputException>(() => section.ExistingFile("fifo")).Problem);
        Assert.Equal(2, Assert.Throws<InvalidInputException>(() => section.ExistingFile("link")).Line);
        Assert.Contains("device", Assert.Throws<InvalidInputException>(() => section.ExistingPath("device")).Problem);
        Assert.Contains("folder", Assert.Throws<InvalidInputException>(() => section.ExistingFile("folder")).Problem);
        Assert.Equal(files.Folder, section.ExistingPath("folder"));
        Assert.Contains("NUL", Assert.Throws<InvalidInputException>(() => section.ExistingFile("nul")).Problem);
        // The path is returned as the config wrote it (made absolute), so reports show what the config names.
        Assert.Equal(Path.Combine(files.Folder, "ok.json"), section.ExistingFile("ok"));
    }

    [Fact]
    public void The_data_section_takes_a_root_that_must_be_a_folder()
    {
        var data = Directory.CreateDirectory(Path.Combine(files.Folder, "data")).FullName;
        File.WriteAllText(Path.Combine(data, "m.csv"), "path,label\n");
        var model = Path.Combine(ConfigFiles.Fixtures, "mnist-cnn.onnx");
        var config = ScanConfigReader.Parse($$"""
            { "model": {{System.Text.Json.JsonSerializer.Serialize(model)}},
              "data": { "path": "data/m.csv", "root": "." } }
            """, Config);
        Assert.Equal(files.Folder, config.Data.Root);
        var e = Assert.Throws<InvalidInputException>(() => ScanConfigReader.Parse($$"""
            { "model": {{System.Text.Json.JsonSerializer.Serialize(model)}},
              "data": { "path": "data/m.csv",
                "root": "data/m.csv" } }
            """, Config));
        Assert.Equal(3, e.Line);
        Assert.Contains("folder", e.Problem);
    }

    [Fact]
    public void A_config_that_is_a_fifo_or_too_large_is_refused_before_it_is_read()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = files.PathOf("fifo.json");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        Assert.Contains("FIFO", Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(fifo)).Problem);
        var big = files.WriteRaw("big.json", "{ \"model\": \"" + new string('a', 2000) + "\" }");
        using (ResourceLimits.Use(new ResourceLimits { MaxConfigBytes = 1000 }))
            Assert.Contains("limit", Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(big)).Problem);
    }
}
