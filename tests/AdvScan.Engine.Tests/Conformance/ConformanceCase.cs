using AdvScan.Onnx;
using AdvScan.Onnx.Protobuf;

namespace AdvScan.Engine.Tests.Conformance;

/// <summary>
/// One case of the ONNX backend test data (tests/fixtures/onnx-conformance): a model.onnx and its first data set of
/// serialized TensorProto inputs and expected outputs.
/// </summary>
internal sealed record ConformanceCase(string Id, string Directory)
{
    public const string FixtureFolder = "tests/fixtures/onnx-conformance";

    public string ModelPath => Path.Combine(Directory, "model.onnx");

    public IReadOnlyList<OnnxTensor> Inputs => ReadSet("input");

    public IReadOnlyList<OnnxTensor> ExpectedOutputs => ReadSet("output");

    /// <summary>Every case, as "suite/case" ids (the directory under the fixture folder), in ordinal order.</summary>
    public static IReadOnlyList<string> AllIds()
    {
        var root = FixtureRoot();
        return System.IO.Directory.EnumerateFiles(root, "model.onnx", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, Path.GetDirectoryName(f)!).Replace('\\', '/'))
            .OrderBy(id => id, StringComparer.Ordinal)
            .ToList();
    }

    public static ConformanceCase Get(string id) => new(id, Path.Combine(FixtureRoot(), id));

    /// <summary>The fixtures live in the repository, not the build output: walk up to the folder holding AdvScan.sln.</summary>
    public static string FixtureRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AdvScan.sln")))
                return Path.Combine(dir.FullName, FixtureFolder);
        throw new DirectoryNotFoundException($"no AdvScan.sln above {AppContext.BaseDirectory}");
    }

    private IReadOnlyList<OnnxTensor> ReadSet(string prefix)
    {
        var set = Path.Combine(Directory, "test_data_set_0");
        // input_10.pb sorts before input_2.pb as text; order by the number exporters put in the name.
        return System.IO.Directory.EnumerateFiles(set, prefix + "_*.pb")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f)[(prefix.Length + 1)..]))
            .Select(f => TensorDecoder.Decode(TensorProto.Parser.ParseFrom(File.ReadAllBytes(f)), f, null))
            .ToList();
    }

    public override string ToString() => Id;
}
