using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Microsoft.ML.OnnxRuntime;

namespace AdvScan.Analyzers.Tests;

/// <summary>
/// Compiles real C# (referencing the real Microsoft.ML.OnnxRuntime assembly) and runs the shipped analyzers over it
/// with the AdditionalFiles and per-file metadata a build would pass.
/// </summary>
internal static class AnalyzerHarness
{
    public static readonly string FixturesDir = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    // Read once: every test compiles against the same framework and ONNX Runtime assemblies.
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(InferenceSession).Assembly.Location))
            .ToArray());

    public static string RepoFixture(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AdvScan.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), "tests", "fixtures", name);
    }

    public static ImmutableArray<Diagnostic> Run(string source, params AdditionalFile[] files)
    {
        var tree = CSharpSyntaxTree.ParseText(source, path: "/src/App.cs");
        var compilation = CSharpCompilation.Create("App", [tree], References.Value, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "the test source must compile: " + string.Join("; ", errors));

        var options = new AnalyzerOptions(
            files.Select(f => (AdditionalText)f).ToImmutableArray(),
            new MetadataOptionsProvider(files.ToDictionary(f => f.Path, f => f.Metadata)));
        DiagnosticAnalyzer[] analyzers = [new ModelLoadAnalyzer(), new ConfigFileAnalyzer()];
        var run = compilation.WithAnalyzers([.. analyzers], options);
        return run.GetAnalyzerDiagnosticsAsync(CancellationToken.None).Result
            .OrderBy(d => d.Location.GetLineSpan().StartLinePosition.Line).ToImmutableArray();
    }

    /// <summary>An additional file with its text and the build_metadata the MSBuild targets would attach.</summary>
    public sealed class AdditionalFile(string path, string text, string? kind) : AdditionalText
    {
        public override string Path { get; } = path;
        public string? Kind { get; } = kind;
        public ImmutableDictionary<string, string> Metadata =>
            Kind is null ? ImmutableDictionary<string, string>.Empty : ImmutableDictionary<string, string>.Empty.Add("build_metadata.AdditionalFiles.AdvScanKind", Kind);
        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text, Encoding.UTF8);
    }

    private sealed class MetadataOptionsProvider(Dictionary<string, ImmutableDictionary<string, string>> byPath) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(ImmutableDictionary<string, string>.Empty);
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => GlobalOptions;
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            new Options(byPath.TryGetValue(textFile.Path, out var m) ? m : ImmutableDictionary<string, string>.Empty);
    }

    private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }
}
