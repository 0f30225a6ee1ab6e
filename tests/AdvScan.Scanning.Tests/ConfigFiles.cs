namespace AdvScan.Scanning.Tests;

/// <summary>
/// A temporary folder for advscan.json files that point at the checked-in fixtures, and a way to find the line a
/// piece of text sits on (the line a diagnostic must name).
/// </summary>
public sealed class ConfigFiles : IDisposable
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();
    public static string Fixtures { get; } = Path.Combine(RepositoryRoot, "tests", "fixtures");
    public static string Examples { get; } = Path.Combine(RepositoryRoot, "examples", "mnist-gate");

    public string Folder { get; } = Directory.CreateTempSubdirectory("advscan-scan-tests-").FullName;

    /// <summary>A config over the MNIST fixtures; <paramref name="attacksAndGates"/> is the JSON after "sample".</summary>
    public string Write(string name, string attacksAndGates, int sampleSize = 40, string? model = null)
    {
        var json = $$"""
            {
              "model": {{Quote(model ?? Path.Combine(Fixtures, "mnist-cnn.onnx"))}},
              "data": {
                "path": {{Quote(Path.Combine(Fixtures, "mnist-test-images-idx3-ubyte"))}},
                "labels": {{Quote(Path.Combine(Fixtures, "mnist-test-labels-idx1-ubyte"))}}
              },
              "sample": { "size": {{sampleSize}}, "seed": 3 },
            {{attacksAndGates}}
            }
            """;
        return WriteRaw(name, json);
    }

    public string WriteRaw(string name, string json)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, json.ReplaceLineEndings("\n"));
        return path;
    }

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>1-based line of the first line of <paramref name="file"/> that contains <paramref name="text"/>.</summary>
    public static int LineOf(string file, string text)
    {
        var lines = File.ReadAllLines(file);
        var index = Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
        Assert.True(index >= 0, $"{file} has no line containing {text}");
        return index + 1;
    }

    private static string Quote(string path) => System.Text.Json.JsonSerializer.Serialize(path);

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AdvScan.sln"))) return dir.FullName;
        throw new InvalidOperationException("AdvScan.sln not found above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
