using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AdvScan.Analyzers;

/// <summary>
/// The AdditionalFiles the AdvScan.MSBuild targets hand the compiler, sorted by kind: gated models (the AdvScanModel
/// items), configs and the SARIF of the last scans. The targets tag each with
/// <c>build_metadata.AdditionalFiles.AdvScanKind</c>; a file without the tag is sorted by its name, so a project that
/// lists AdditionalFiles by hand works too.
/// </summary>
internal sealed class AdvScanInputs
{
    public const string KindKey = "build_metadata.AdditionalFiles.AdvScanKind";

    public ImmutableArray<string> Models { get; }
    public ImmutableArray<AdditionalText> Configs { get; }
    public ImmutableArray<AdditionalText> Sarifs { get; }

    private AdvScanInputs(ImmutableArray<string> models, ImmutableArray<AdditionalText> configs, ImmutableArray<AdditionalText> sarifs)
    {
        Models = models;
        Configs = configs;
        Sarifs = sarifs;
    }

    public static AdvScanInputs From(AnalyzerOptions options)
    {
        var models = ImmutableArray.CreateBuilder<string>();
        var configs = ImmutableArray.CreateBuilder<AdditionalText>();
        var sarifs = ImmutableArray.CreateBuilder<AdditionalText>();
        foreach (var file in options.AdditionalFiles)
        {
            options.AnalyzerConfigOptionsProvider.GetOptions(file).TryGetValue(KindKey, out var kind);
            switch (KindOf(kind, file.Path))
            {
                case "model": models.Add(file.Path); break;
                case "config": configs.Add(file); break;
                case "sarif": sarifs.Add(file); break;
            }
        }
        return new AdvScanInputs(models.ToImmutable(), configs.ToImmutable(), sarifs.ToImmutable());
    }

    private static string? KindOf(string? tagged, string path)
    {
        if (!string.IsNullOrEmpty(tagged)) return tagged!.Trim().ToLowerInvariant();
        var name = Path.GetFileName(path);
        if (name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) return "model";
        if (name.EndsWith(".sarif", StringComparison.OrdinalIgnoreCase)) return "sarif";
        if (name.EndsWith("advscan.json", StringComparison.OrdinalIgnoreCase)) return "config";
        return null;
    }

    /// <summary>The file name of a path written in code or in a SARIF URI, with either separator.</summary>
    public static string FileName(string path)
    {
        var cut = path.LastIndexOfAny(new[] { '/', '\\' });
        return cut < 0 ? path : path.Substring(cut + 1);
    }

    public static bool SameFileName(string a, string b) =>
        string.Equals(FileName(a), FileName(b), StringComparison.OrdinalIgnoreCase);

    public bool Gates(string loadedPath)
    {
        foreach (var model in Models) if (SameFileName(model, loadedPath)) return true;
        return false;
    }
}
