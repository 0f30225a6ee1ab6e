using AdvScan.Attacks;
using AdvScan.Checks;
using AdvScan.Data;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Attacks;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.MLNet;

/// <summary>Per row: ONNX Runtime's prediction on its adversarial example, whether it stayed correct, and the perturbation's norm.</summary>
internal sealed record AuditTable(int[] AdversarialPrediction, bool[] Robust, float[] PerturbationNorm)
{
    public int Count => Robust.Length;
}

/// <summary>
/// Attacks every row of a data view with one configured attack through <see cref="Scanner.RunAttack"/>, the call
/// <c>advscan attack</c> makes: the rows in data-view order, in batches of the config's size, seeded by the config's
/// seed, so the robust rows are the ones the CLI counts on the same images, batch size and seed. Every verdict is ONNX
/// Runtime's.
/// </summary>
internal sealed class RowAudit(string modelPath, ScanConfig config, AttackConfig attack, ImageGeometry geometry)
{
    public AttackConfig Attack => attack;

    public AuditTable Run(float[][] pixels, int[] labels, CancellationToken cancellationToken)
    {
        var source = new DataViewDatasetSource("audited IDataView", pixels, labels, geometry);
        var services = new ServiceCollection().AddSingleton<IDatasetSource>(source).AddAdvScanScanner().AddAdvScanChecks();
        using var provider = services.BuildServiceProvider();
        var scanner = provider.GetRequiredService<Scanner>();
        var model = OnnxModel.Load(modelPath);
        using var dataset = source.Open(config, model, cancellationToken);
        using var runtime = RuntimeSessions.Open(model, config.Device);
        var settings = attack.ToSettings(config.Seed);
        settings.Validate(dataset.ClassNames.Count);
        int n = labels.Length;
        var outcomes = new ExampleOutcome?[n];
        var indices = Enumerable.Range(0, n).ToList();
        OnnxGraph? graph = null;
        try
        {
            var run = new AttackRun(attack.Id, settings, attack.Epsilons, model, () => graph ??= RuntimeSessions.ImportTarget(model, runtime, config.Device),
                runtime, dataset, config.Device, dataset.Read(indices, config.BatchSize, cancellationToken))
                { Observe = o => outcomes[o.Position] = o, CancellationToken = cancellationToken };
            scanner.RunAttack(attack.Attack, run);
        }
        finally
        {
            graph?.Dispose();
        }

        var prediction = new int[n];
        var robust = new bool[n];
        var norm = new float[n];
        // Rows the attack never observed are the ones ONNX Runtime already misclassifies clean: their clean prediction stands.
        var wrong = indices.Where(i => outcomes[i] is null).ToArray();
        if (wrong.Length > 0)
        {
            int size = geometry.PixelsPerImage;
            var batch = new float[wrong.Length * size];
            for (int k = 0; k < wrong.Length; k++) pixels[wrong[k]].CopyTo(batch, k * size);
            var (classes, _) = Predictions.Predict(runtime, dataset.Mapping, batch, [wrong.Length, geometry.Channels, geometry.Height, geometry.Width]);
            for (int k = 0; k < wrong.Length; k++) prediction[wrong[k]] = classes[k];
        }
        for (int i = 0; i < n; i++)
        {
            if (outcomes[i] is not { } o) continue;
            prediction[i] = o.AdversarialPrediction;
            robust[i] = o.Robust;
            if (o.Adversarial is { } adversarial) norm[i] = (float)PerturbationSize.Of(adversarial, o.Clean, settings.Norm);
        }
        return new AuditTable(prediction, robust, norm);
    }
}
