using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;
using AdvScan.Scanning.Tests;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace AdvScan.Cli.Tests;

/// <summary>
/// The library entry point a C# user finds in the README: <see cref="AdvScanner"/>. Its README snippet is compiled here
/// as written, and the facade loads configs that name checks (which the bare config reader's default registry rejects).
/// </summary>
public sealed class LibraryEntryPointTests : IDisposable
{
    private readonly ConfigFiles files = new();

    /// <summary>The ```csharp block after the README's "**Library entry point.**" paragraph.</summary>
    private static string ReadmeSnippet()
    {
        var lines = File.ReadAllLines(Path.Combine(ConfigFiles.RepositoryRoot, "README.md"));
        int at = Array.FindIndex(lines, l => l.StartsWith("**Library entry point.**", StringComparison.Ordinal));
        Assert.True(at >= 0, "the README has no **Library entry point.** paragraph");
        int start = Array.FindIndex(lines, at, l => l == "```csharp") + 1;
        int end = Array.FindIndex(lines, start, l => l == "```");
        return string.Join("\n", lines[start..end]);
    }

    [Fact]
    public void The_readme_snippet_compiles_against_the_shipped_assemblies()
    {
        var source = $$"""
            using System;
            using System.Threading;
            using AdvScan;
            using AdvScan.Scanning;
            public static class Snippet
            {
                public static void Run(CancellationToken cancellationToken)
                {
            {{ReadmeSnippet()}}
                }
            }
            """;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.GetFiles(AppContext.BaseDirectory, "AdvScan*.dll"))
            .Distinct()
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("ReadmeSnippet", [CSharpSyntaxTree.ParseText(source)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors) + "\n" + source);
    }

    [Fact]
    public void The_facade_loads_a_config_with_checks_runs_it_and_writes_every_format()
    {
        var config = files.Write("checks.json", """
              "checks": [ { "check": "corruptions", "only": "fog", "severity": 1 } ]
            """, sampleSize: 10);
        // The bare reader's default registry knows no checks: the trap the facade closes.
        Assert.Throws<InvalidInputException>(() => ScanConfigReader.Load(config));

        using var advscan = AdvScanner.Create();
        Assert.Equal(["html", "json", "markdown", "sarif"], advscan.Formats.Order(StringComparer.Ordinal));
        var report = advscan.Run(advscan.LoadConfig(config), progress: null, CancellationToken.None);
        Assert.Contains(report.Checks, c => c.Check == "corruptions");
        foreach (var format in advscan.Formats)
        {
            var path = files.PathOf("report." + format);
            advscan.Write(report, format, path);
            Assert.True(new FileInfo(path).Length > 0, format);
        }
        var unknown = Assert.Throws<InvalidInputException>(() => advscan.Write(report, "pdf", files.PathOf("report.pdf")));
        Assert.Contains("no reporter is registered for the format 'pdf'", unknown.Message);
        Assert.False(File.Exists(files.PathOf("report.pdf")));
    }

    public void Dispose() => files.Dispose();
}
