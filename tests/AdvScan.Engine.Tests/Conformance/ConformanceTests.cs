using AdvScan.Onnx;
using AdvScan.Runtime;
using TorchSharp;

namespace AdvScan.Engine.Tests.Conformance;

/// <summary>
/// The ONNX backend conformance data exported from PyTorch: every supported case must reproduce PyTorch's outputs in
/// the engine; every case listed in <see cref="UnsupportedCases"/> must be refused at import with a clear error.
/// ONNX Runtime is checked against the same outputs so a broken harness cannot pass the engine by accident.
/// </summary>
public class ConformanceTests
{
    public static TheoryData<string> SupportedCases() =>
        new(ConformanceCase.AllIds().Where(id => !UnsupportedCases.Reasons.ContainsKey(id)));

    public static TheoryData<string> AllCases() => new(ConformanceCase.AllIds());

    public static TheoryData<string> OnnxRuntimeCases() =>
        new(ConformanceCase.AllIds().Where(id => !UnsupportedCases.OnnxRuntimeLacksLegacyKernels.Contains(id)));

    public static TheoryData<string> OnnxRuntimeLegacyCases() =>
        new(UnsupportedCases.OnnxRuntimeLacksLegacyKernels.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(SupportedCases))]
    public void Engine_reproduces_expected_outputs(string id)
    {
        var testCase = ConformanceCase.Get(id);
        using var graph = OnnxGraph.Load(testCase.ModelPath);
        using var scope = torch.NewDisposeScope();
        var inputs = testCase.Inputs.Select(t => TensorConversion.ToTorch(t, graph.Device)).ToArray();
        torch.Tensor[] outputs;
        using (torch.no_grad()) outputs = graph.Run(inputs);

        var expected = testCase.ExpectedOutputs;
        Assert.Equal(expected.Count, outputs.Length);
        for (int i = 0; i < expected.Count; i++)
            OutputComparison.AssertClose($"{id} output {i}", expected[i], outputs[i]);
    }

    [Theory]
    [MemberData(nameof(OnnxRuntimeCases))]
    public void Onnx_runtime_reproduces_expected_outputs(string id)
    {
        var testCase = ConformanceCase.Get(id);
        using var session = ReferenceSession.Open(OnnxModel.Load(testCase.ModelPath));
        var outputs = session.Run(testCase.Inputs);

        var expected = testCase.ExpectedOutputs;
        Assert.Equal(expected.Count, outputs.Count);
        for (int i = 0; i < expected.Count; i++)
            OutputComparison.AssertClose($"{id} ORT output {i}", expected[i], outputs[i]);
    }

    /// <summary>
    /// A Fact rather than a Theory: every case currently passes, and xunit rejects a Theory without data. Entries
    /// added to the list are still each checked here.
    /// </summary>
    [Fact]
    public void Listed_unsupported_cases_are_refused_with_a_one_line_error()
    {
        foreach (var id in UnsupportedCases.Reasons.Keys)
        {
            var testCase = ConformanceCase.Get(id);
            var error = Assert.ThrowsAny<InvalidInputException>(() =>
            {
                using var graph = OnnxGraph.Load(testCase.ModelPath);
                using var scope = torch.NewDisposeScope();
                using (torch.no_grad()) graph.Run(testCase.Inputs.Select(t => TensorConversion.ToTorch(t, graph.Device)).ToArray());
            });
            Assert.Contains("model.onnx", error.Message);
            Assert.DoesNotContain('\n', error.Message);
        }
    }

    [Fact]
    public void Model_with_an_operator_outside_the_engine_is_refused_at_import_naming_it()
    {
        var builder = new OnnxGraphBuilder("nms", 17);
        var boxes = builder.Input("boxes", OnnxDataType.Float, 1, 4, 4);
        var scores = builder.Input("scores", OnnxDataType.Float, 1, 1, 4);
        builder.Output(builder.Node("NonMaxSuppression", [boxes, scores], name: "nms"), OnnxDataType.Int64, "n", 3);
        var error = Assert.Throws<UnsupportedModelException>(() => OnnxGraph.Import(OnnxModel.Parse(builder.ToBytes(), "nms.onnx")));
        Assert.Contains("NonMaxSuppression x1 (first 'nms')", error.Message);
    }

    [Theory]
    [MemberData(nameof(OnnxRuntimeLegacyCases))]
    public void Onnx_runtime_refuses_listed_legacy_opset_case(string id)
    {
        var testCase = ConformanceCase.Get(id);
        var error = Assert.Throws<InvalidInputException>(() => ReferenceSession.Open(OnnxModel.Load(testCase.ModelPath)));
        Assert.Contains("Could not find an implementation", error.Message);
    }

    [Fact]
    public void Every_listed_case_exists_in_the_fixtures()
    {
        var all = ConformanceCase.AllIds().ToHashSet(StringComparer.Ordinal);
        var unknown = UnsupportedCases.Reasons.Keys.Concat(UnsupportedCases.OnnxRuntimeLacksLegacyKernels).Where(id => !all.Contains(id)).ToList();
        Assert.True(unknown.Count == 0, "listed cases that do not exist: " + string.Join(", ", unknown));
    }

    [Fact]
    public void Fixtures_hold_both_pytorch_suites()
    {
        var ids = ConformanceCase.AllIds();
        Assert.Contains(ids, id => id.StartsWith("pytorch-converted/", StringComparison.Ordinal));
        Assert.Contains(ids, id => id.StartsWith("pytorch-operator/", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(ConformanceCase.FixtureRoot(), "LICENSE")));
    }
}
