using System.Text.Json;
using AdvScan.Cli;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Attacks;
using AdvScan.Scanning.Configuration;
using AdvScan.Engine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AdvScan.MLNet.Tests;

/// <summary>
/// The audit columns of Transform over all 200 signs-test PNGs, judged against oracles outside the step: ML.NET's own
/// ApplyOnnxModel (ONNX Runtime through ML.NET) for clean and adversarial predictions, and the `advscan attack` report.
/// </summary>
public sealed class RobustnessAuditTests : IDisposable
{
    private const double Eps = 0.03;
    private readonly string folder = Directory.CreateTempSubdirectory("advscan-mlnet-audit-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static RobustnessScanOptions Options() => new() { Attack = "pgd", Epsilon = Eps, Steps = 5, SampleSize = 40, Seed = 4 };

    [Fact]
    public void Transform_marks_robust_exactly_the_rows_the_CLI_attack_counts_robust_and_ONNX_Runtime_confirms_every_row()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(SignsPipeline.Rows());
        var (inputName, outputName) = SignsPipeline.OnnxNames();
        var scoring = SignsPipeline.Images(ml, pixels: inputName)
            .Append(ml.Transforms.ApplyOnnxModel(modelFile: SignsPipeline.SignsModel, outputColumnNames: [outputName], inputColumnNames: [inputName]));
        var fitted = scoring.Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, inputName, "Label", Options())).Fit(data);

        var audited = fitted.Transform(data);
        var labels = audited.GetColumn<int>("Label").ToArray();
        var clean = audited.GetColumn<VBuffer<float>>(outputName).Select(s => ArgMax(s.DenseValues().ToArray())).ToArray();
        var prediction = audited.GetColumn<int>(AdvScanColumns.AdversarialPrediction).ToArray();
        var robust = audited.GetColumn<bool>(AdvScanColumns.Robust).ToArray();
        var norm = audited.GetColumn<float>(AdvScanColumns.PerturbationNorm).ToArray();

        // `advscan attack` over the same PNG folder, every example, same attack, budget, steps, seed and batch size.
        var json = Path.Combine(folder, "attack.json");
        int exit = CliApp.Run(["attack", "--model", SignsPipeline.SignsModel, "--data", SignsPipeline.SignsFolder, "--attack", "pgd",
            "--eps", "0.03", "--steps", "5", "--seed", "4", "--batch", "64", "--json", json], new StringWriter(), new StringWriter());
        Assert.Equal(0, exit);
        var cli = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("curve")[0].GetProperty("robustAccuracy");
        Assert.Equal(200, labels.Length);
        Assert.Equal(cli.GetProperty("trials").GetInt32(), labels.Length);
        Assert.Equal(cli.GetProperty("successes").GetInt32(), robust.Count(r => r));
        Assert.InRange(robust.Count(r => r), 1, 199);

        // The adversarial examples again, through Scanner.RunAttack, re-scored by ML.NET's ApplyOnnxModel (not by AdvScan).
        var adversarial = Recompute();
        var rescored = Rescore(ml, adversarial.Values.ToList(), inputName, outputName);
        var broken = adversarial.Keys.ToList();
        for (int i = 0; i < labels.Length; i++)
        {
            if (robust[i])
            {
                Assert.Equal(labels[i], clean[i]);
                Assert.Equal(labels[i], prediction[i]);
                Assert.Equal(0f, norm[i]);
                Assert.DoesNotContain(i, broken);
            }
            else if (clean[i] != labels[i])
            {
                Assert.Equal(clean[i], prediction[i]);
                Assert.Equal(0f, norm[i]);
            }
            else
            {
                int k = broken.IndexOf(i);
                Assert.True(k >= 0, $"row {i} is marked broken but the recomputed attack did not break it");
                Assert.NotEqual(labels[i], prediction[i]);
                Assert.Equal(prediction[i], rescored[k]);
                Assert.InRange(norm[i], 1e-6f, (float)Eps + 1e-6f);
            }
        }
        Assert.Equal(broken.Count, Enumerable.Range(0, labels.Length).Count(i => !robust[i] && clean[i] == labels[i]));
    }

    [Fact]
    public void Steps_after_the_scan_consume_its_columns_a_key_label_giving_a_key_prediction_that_MapKeyToValue_names()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(SignsPipeline.Rows());
        var keys = ml.Data.LoadFromEnumerable(SignsPipeline.Classes.Select(c => new SignRow { ClassName = c }));
        // EstimatorChain.Fit propagates the SchemaShape through every step first: MapKeyToValue and ConvertType fail there
        // unless the scan's shape has a key column with key values and a Boolean column under these names.
        var estimator = SignsPipeline.Images(ml)
            .Append(ml.Transforms.Conversion.MapValueToKey("Key", nameof(SignRow.ClassName), keyData: ml.Transforms.SelectColumns(nameof(SignRow.ClassName)).Fit(keys).Transform(keys)))
            .Append(ml.Transforms.ScanRobustness(SignsPipeline.SignsModel, "pixels", "Key", new RobustnessScanOptions { Attack = "fgsm", Epsilon = 0.02, SampleSize = 20, Seed = 2 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("AdversarialName", AdvScanColumns.AdversarialPrediction))
            .Append(ml.Transforms.Conversion.ConvertType("RobustAsSingle", AdvScanColumns.Robust, DataKind.Single));

        var fitted = estimator.Fit(data);
        var output = fitted.Transform(data);

        Assert.Equal(output.Schema["Key"].Type, output.Schema[AdvScanColumns.AdversarialPrediction].Type);
        Assert.Equal(NumberDataViewType.Single, output.Schema[AdvScanColumns.PerturbationNorm].Type);
        Assert.Null(output.Schema.GetColumnOrNull(AdvScanColumns.SuspectedTrigger));
        var adversarialNames = output.GetColumn<ReadOnlyMemory<char>>("AdversarialName").Select(m => m.ToString()).ToArray();
        var robust = output.GetColumn<float>("RobustAsSingle").Select(r => r == 1f).ToArray();
        var truth = output.GetColumn<string>(nameof(SignRow.ClassName)).ToArray();
        // A robust row's adversarial prediction is its own class, by name; a broken one names another class of the model.
        Assert.All(Enumerable.Range(0, truth.Length).Where(i => robust[i]), i => Assert.Equal(truth[i], adversarialNames[i]));
        Assert.All(adversarialNames, n => Assert.Contains(n, SignsPipeline.Classes));
        Assert.Contains(robust, r => !r);
        Assert.Contains(Enumerable.Range(0, truth.Length), i => !robust[i] && truth[i] != adversarialNames[i]);
        // A second view of the same rows attacks them again, with the same seeds: the same columns, bit for bit.
        var again = fitted.Transform(data);
        Assert.Equal(output.GetColumn<float>(AdvScanColumns.PerturbationNorm), again.GetColumn<float>(AdvScanColumns.PerturbationNorm));
        Assert.Equal(adversarialNames, again.GetColumn<ReadOnlyMemory<char>>("AdversarialName").Select(m => m.ToString()));
    }

    /// <summary>The broken examples' adversarial pixels by row, from the attack the CLI runs, over AdvScan's own folder reader.</summary>
    private static Dictionary<int, float[]> Recompute()
    {
        using var services = new ServiceCollection().AddAdvScanScanner().BuildServiceProvider();
        var scanner = services.GetRequiredService<Scanner>();
        var model = OnnxModel.Load(SignsPipeline.SignsModel);
        using var dataset = DatasetSource.Open(SignsPipeline.SignsFolder, null, null, model);
        using var runtime = ReferenceSession.Open(model);
        using var graph = OnnxGraph.Import(model, new ImportOptions("cpu"));
        var attack = scanner.Registry.Attack("pgd")!;
        var settings = AdvScan.Attacks.AttackSettings.DefaultsOf(attack, Eps, 4) with { Steps = 5 };
        var result = new Dictionary<int, float[]>();
        var run = new AttackRun("pgd", settings, [Eps], model, () => graph, runtime, dataset, "cpu",
            dataset.Read(Enumerable.Range(0, dataset.Labels.Count).ToList(), 64, CancellationToken.None))
            { Observe = o => { if (!o.Robust) result[o.Position] = o.Adversarial!; } };
        scanner.RunAttack("pgd", run);
        return result;
    }

    private static int[] Rescore(MLContext ml, List<float[]> pixels, string inputName, string outputName)
    {
        var rows = ml.Data.LoadFromEnumerable(pixels.Select(p => new PixelRow { Pixels = p }));
        var scored = ml.Transforms.CopyColumns(inputName, nameof(PixelRow.Pixels))
            .Append(ml.Transforms.ApplyOnnxModel(modelFile: SignsPipeline.SignsModel, outputColumnNames: [outputName], inputColumnNames: [inputName]))
            .Fit(rows).Transform(rows);
        return scored.GetColumn<VBuffer<float>>(outputName).Select(s => ArgMax(s.DenseValues().ToArray())).ToArray();
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    private sealed class PixelRow
    {
        [VectorType(3 * 32 * 32)]
        public float[] Pixels { get; set; } = [];
    }
}
