namespace AdvScan.Data.Tests;

/// <summary>The trust boundary's primitives on a real file system: links, FIFOs, escapes out of a root, atomic writes.</summary>
public sealed class TrustBoundaryTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("advscan-trust-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Real_path_follows_links_at_every_component_including_relative_ones()
    {
        var inner = Directory.CreateDirectory(Path.Combine(root, "a", "b")).FullName;
        File.WriteAllText(Path.Combine(inner, "f.txt"), "x");
        Directory.CreateSymbolicLink(Path.Combine(root, "l1"), "a/b");
        File.CreateSymbolicLink(Path.Combine(root, "a", "lf"), "b/f.txt");
        var realRoot = TrustBoundary.RealPath(root);
        Assert.Equal(Path.Combine(realRoot, "a", "b", "f.txt"), TrustBoundary.RealPath(Path.Combine(root, "l1", "f.txt")));
        Assert.Equal(Path.Combine(realRoot, "a", "b", "f.txt"), TrustBoundary.RealPath(Path.Combine(root, "a", "lf")));
        Assert.Equal(Path.Combine(realRoot, "a", "missing", "x"), TrustBoundary.RealPath(Path.Combine(root, "l1", "..", "missing", "x")));
    }

    [Fact]
    public void A_link_that_points_out_of_the_root_is_refused_though_its_name_looks_inside()
    {
        var secret = Path.Combine(Path.GetTempPath(), $"advscan-secret-{Guid.NewGuid():N}.txt");
        File.WriteAllText(secret, "SECRET");
        try
        {
            File.CreateSymbolicLink(Path.Combine(root, "weights.bin"), secret);
            var e = Assert.Throws<InvalidInputException>(() => TrustBoundary.ResolveInside("weights.bin", root, "external data 'weights.bin'", "m.onnx"));
            Assert.Contains("outside", e.Message);
            Assert.Throws<InvalidInputException>(() => TrustBoundary.ResolveInside("../x", root, "x"));
        }
        finally { File.Delete(secret); }
    }

    [Fact]
    public void A_link_loop_is_refused_in_bounded_time()
    {
        File.CreateSymbolicLink(Path.Combine(root, "p"), "q");
        File.CreateSymbolicLink(Path.Combine(root, "q"), "p");
        Assert.Contains("loop", Assert.Throws<InvalidInputException>(() => TrustBoundary.RealPath(Path.Combine(root, "p"))).Message);
    }

    [Fact]
    public void A_fifo_is_refused_by_its_kind_before_it_is_opened()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = Path.Combine(root, "model.onnx");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo)) mkfifo.WaitForExit();
        Assert.Equal(FileKind.Fifo, TrustBoundary.KindOf(fifo));
        var e = Assert.Throws<InvalidInputException>(() => TrustBoundary.OpenRead(fifo, what: "model"));
        Assert.Contains("FIFO", e.Message);
        Assert.Equal(FileKind.CharacterDevice, TrustBoundary.KindOf("/dev/null"));
    }

    [Fact]
    public void An_atomic_write_refuses_a_link_destination_and_leaves_its_target_untouched()
    {
        var victim = Path.Combine(root, "victim.txt");
        File.WriteAllText(victim, "keep");
        var report = Path.Combine(root, "report.json");
        File.CreateSymbolicLink(report, victim);
        Assert.Throws<InvalidInputException>(() => TrustBoundary.WriteAllText(report, "{}"));
        Assert.Equal("keep", File.ReadAllText(victim));

        var plain = Path.Combine(root, "out", "r.json");
        TrustBoundary.WriteAllText(plain, "{}");
        TrustBoundary.WriteAllText(plain, "{ }");
        Assert.Equal("{ }", File.ReadAllText(plain));
        Assert.Single(Directory.GetFiles(Path.Combine(root, "out")));
    }

    [Theory]
    [InlineData("a\nsrc/Evil.cs(7,1): error ADV1002: x", "a\\nsrc/Evil.cs(7,1): error ADV1002: x")]
    [InlineData("tab\there\u001b[31m", "tab\\there\\u001b[31m")]
    [InlineData("rtl\u202egnp.exe", "rtl\\u202egnp.exe")]
    [InlineData("plain name", "plain name")]
    public void Untrusted_text_cannot_start_a_line_or_reorder_what_is_shown(string text, string shown) =>
        Assert.Equal(shown, UntrustedText.Escape(text));

    [Fact]
    public void Untrusted_text_is_cut_and_says_how_much_was_left_out() =>
        Assert.Equal(new string('x', 200) + "...(4999800 more characters)", UntrustedText.Escape(new string('x', 5_000_000)));
}
