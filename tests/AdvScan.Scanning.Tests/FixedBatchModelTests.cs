using AdvScan.Onnx;
using AdvScan.Scanning.Configuration;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Scanning.Tests;

/// <summary>
/// Many exporters write the batch dimension as a fixed 1. Such a model computes the same function as its dynamic-batch
/// original, so every figure AdvScan reports on it must be that of the original: eval and scan used to disagree on it
/// (eval padded batches, scan failed with ONNX Runtime's "Got invalid dimensions for input").
/// </summary>
public sealed class FixedBatchModelTests : IDisposable
{
    private readonly ConfigFiles files = new();

    private static Scanner NewScanner() => new ServiceCollection().AddAdvScanScanner().BuildServiceProvider().GetRequiredService<Scanner>();

    /// <summary>mnist-cnn with its input's and outputs' batch dimension fixed to <paramref name="size"/>.</summary>
    private string FixedBatchCopy(long size)
    {
        var original = OnnxModel.Load(Path.Combine(ConfigFiles.Fixtures, "mnist-cnn.onnx"));
        var proto = original.Proto.Clone();
        foreach (var value in proto.Graph.Input.Concat(proto.Graph.Output))
            value.Type.TensorType.Shape.Dim[0] = new AdvScan.Onnx.Protobuf.TensorShapeProto.Types.Dimension { DimValue = size };
        var path = files.PathOf($"mnist-cnn-batch{size}.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }

    private const string GradientAttacks = """
          "attacks": [
            { "attack": "fgsm", "eps": 0.15 },
            { "attack": "pgd", "eps": 0.15, "steps": 5 }
          ]
        """;

    private const string EveryAttack = """
          "attacks": [
            { "attack": "fgsm", "eps": 0.15 },
            { "attack": "pgd", "eps": 0.15, "steps": 5 },
            { "attack": "apgd", "eps": 0.15, "steps": 5 },
            { "attack": "apgd-t", "eps": 0.15, "steps": 5 },
            { "attack": "fab-t", "eps": 0.15, "steps": 3 },
            { "attack": "cw", "eps": 2.0, "steps": 5 },
            { "attack": "square", "eps": 0.15, "queries": 20 },
            { "attack": "hopskipjump", "eps": 3.0, "queries": 30 }
          ]
        """;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void A_model_with_a_fixed_batch_gets_the_clean_accuracy_of_its_dynamic_original_in_eval_and_scan_and_every_attack_runs_on_it(int size)
    {
        var fixedModel = FixedBatchCopy(size);
        var data = Path.Combine(ConfigFiles.Fixtures, "mnist-test-images-idx3-ubyte");
        var labels = Path.Combine(ConfigFiles.Fixtures, "mnist-test-labels-idx1-ubyte");
        // 10 examples: not a multiple of 3, so the last chunk is padded.
        var options = new EvaluationOptions(Limit: 10, Seed: 3, LabelsPath: labels, BatchSize: 8);
        var evalFixed = Evaluation.Run(fixedModel, data, options);
        var evalDynamic = Evaluation.Run(Path.Combine(ConfigFiles.Fixtures, "mnist-cnn.onnx"), data, options);
        Assert.Equal(10, evalFixed.Evaluated);
        Assert.Equal(evalDynamic.Correct, evalFixed.Correct);

        var scanner = NewScanner();
        // Batch 1 (the common export) runs every attack; the padded size 3 the gradient ones, both beside the original.
        var fixedReport = scanner.Run(ScanConfigReader.Load(files.Write("fixed.json", size == 1 ? EveryAttack : GradientAttacks, sampleSize: 10, model: fixedModel), scanner.Registry));
        var dynamicReport = scanner.Run(ScanConfigReader.Load(files.Write("dynamic.json", GradientAttacks, sampleSize: 10), scanner.Registry));
        string[] ran = size == 1 ? ["fgsm", "pgd", "apgd", "apgd-t", "fab-t", "cw", "square", "hopskipjump"] : ["fgsm", "pgd"];
        Assert.All(ran, id => Assert.Contains(fixedReport.Attacks, a => a.Config.Id == id && a.Result.Curve.Count > 0));
        Assert.Equal(evalFixed.Correct, fixedReport.CleanAccuracy.Successes);
        Assert.Equal(dynamicReport.CleanAccuracy, fixedReport.CleanAccuracy);
        foreach (var twin in dynamicReport.Attacks.Where(a => a.Config.Id is "fgsm" or "pgd"))
        {
            var attack = fixedReport.Attacks.Single(a => a.Config.Id == twin.Config.Id);
            // Chunked and batched convolutions round differently, so a gradient sign may flip on a near-tie: the same
            // attack on the same function breaks the same digits up to one or two.
            Assert.InRange(attack.Result.Curve[0].RobustAccuracy.Successes,
                twin.Result.Curve[0].RobustAccuracy.Successes - 2, twin.Result.Curve[0].RobustAccuracy.Successes + 2);
        }
        // The attacks did work on it: FGSM at 0.15 breaks some of mnist-cnn's digits.
        Assert.True(fixedReport.Attacks.Single(a => a.Config.Id == "fgsm").Result.Curve[0].RobustAccuracy.Successes < fixedReport.CleanAccuracy.Successes);
    }

    [Theory]
    [InlineData(100_000L)]
    [InlineData(1_000_000_000_000L)]
    public void A_declared_fixed_batch_too_large_to_pad_is_refused_by_maxTensorElements_before_any_padding(long size)
    {
        // Padding ten examples to 100,000 rows once ran the graph on 78 million floats a chunk (15 GB before a timeout);
        // 10^12 wrapped ONNX Runtime's 32-bit metadata.
        var model = FixedBatchCopy(size);
        var data = Path.Combine(ConfigFiles.Fixtures, "mnist-test-images-idx3-ubyte");
        var labels = Path.Combine(ConfigFiles.Fixtures, "mnist-test-labels-idx1-ubyte");
        var eval = Assert.Throws<InvalidInputException>(() => Evaluation.Run(model, data, new EvaluationOptions(Limit: 10, Seed: 3, LabelsPath: labels)));
        Assert.Contains($"fixed size {size}", eval.Message);
        Assert.Contains("maxTensorElements", eval.Message);

        var scanner = NewScanner();
        var config = ScanConfigReader.Load(files.Write("huge.json", GradientAttacks, sampleSize: 10, model: model), scanner.Registry);
        var scan = Assert.Throws<InvalidInputException>(() => scanner.Run(config));
        Assert.Contains("maxTensorElements", scan.Message);
    }

    public void Dispose() => files.Dispose();
}
