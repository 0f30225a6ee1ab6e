using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AdvScan.Scanning;
using AdvScan.Scanning.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdvScan.Bench;

/// <summary>
/// (r) Sequential gates (issue 28): time to a gate verdict, sequential vs the full sample, through the real scanner, and
/// how often the sequential verdict differs from the full-sample one over many seeds (each seed a different order).
/// </summary>
internal static class SequentialBench
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static void Run(string root, int seeds, bool skipSigns)
    {
        var folder = Directory.CreateTempSubdirectory("advscan-bench-seq-").FullName;
        try
        {
            var scanner = new ServiceCollection().AddAdvScanScanner().BuildServiceProvider().GetRequiredService<Scanner>();
            var fixtures = Path.Combine(root, "tests", "fixtures");
            string Mnist(string model, string attack, double eps, double min, int sample, int batch, string name) =>
                Write(folder, name, $$"""
                {
                  "model": {{Q(Path.Combine(fixtures, model))}},
                  "data": { "path": {{Q(Path.Combine(fixtures, "mnist-test-images-idx3-ubyte"))}} },
                  {{(sample > 0 ? $"\"sample\": {{ \"size\": {sample} }}," : "")}}
                  "batchSize": {{batch}},
                  "attacks": [ { "id": "a", "attack": {{Q(attack)}}, "eps": {{eps.ToString(C)}}{{(attack == "pgd" ? ", \"steps\": 10" : "")}} } ],
                  "gates": [ { "metric": "robustAccuracy", "attack": "a", "min": {{min.ToString(C)}} } ]
                }
                """);

            Console.WriteLine("(r) sequential gates: time to verdict, full sample vs sequential (the faster of two alternated runs each, one process)");
            Console.WriteLine("    case                                         full: examples  time   verdict | sequential: examples  time   verdict  stop            interval        speed-up");
            TimeToVerdict(scanner, "mnist-cnn PGD-10 eps 0.3, gate >= 0.5", Mnist("mnist-cnn.onnx", "pgd", 0.3, 0.5, 0, 50, "cnn.json"));
            TimeToVerdict(scanner, "mnist-robust PGD-10 eps 0.3, gate >= 0.5", Mnist("mnist-robust.onnx", "pgd", 0.3, 0.5, 0, 50, "robust.json"));
            double robust = scanner.Run(ScanConfigReader.Load(Mnist("mnist-robust.onnx", "pgd", 0.3, 0.5, 0, 50, "probe.json"), scanner.Registry)).Gates[0].Measured.Value;
            TimeToVerdict(scanner, $"mnist-robust PGD-10, gate >= {robust - 0.05:0.000} (5 points below)", Mnist("mnist-robust.onnx", "pgd", 0.3, Math.Round(robust - 0.05, 3), 0, 50, "near.json"));
            TimeToVerdict(scanner, $"mnist-robust PGD-10, gate >= {robust:0.000} (at its value)", Mnist("mnist-robust.onnx", "pgd", 0.3, Math.Round(robust, 3), 0, 50, "at.json"));
            if (!skipSigns)
            {
                var signs = Path.Combine(root, "examples", "signs224");
                var config = Write(folder, "signs.json", $$"""
                {
                  "model": {{Q(Path.Combine(signs, "signs224.onnx"))}},
                  "data": { "path": {{Q(Path.Combine(signs, "images"))}} },
                  "spec": { "resize": "center-crop", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225] },
                  "sample": { "size": 50, "seed": 7 },
                  "batchSize": 10,
                  "attacks": [ { "id": "a", "attack": "pgd", "eps": 0.002, "steps": 5 } ],
                  "gates": [ { "metric": "robustAccuracy", "attack": "a", "min": 0.5 } ]
                }
                """);
                TimeToVerdict(scanner, "signs224 PGD-5 eps 0.002, gate >= 0.5", config);
            }

            if (seeds == 0) return;
            Console.WriteLine();
            Console.WriteLine($"(r) verdict disagreement, sequential vs full sample, over {seeds} seeds (FGSM, all 1,000 held-out digits, batch 50, confidence 0.95)");
            Console.WriteLine("    case                                         full value  full verdict | settled early  mean examples  disagreements");
            Disagreement(scanner, "mnist-cnn FGSM eps 0.3, gate >= 0.5", Mnist("mnist-cnn.onnx", "fgsm", 0.3, 0.5, 0, 50, "d-cnn.json"), seeds);
            Disagreement(scanner, "mnist-robust FGSM eps 0.3, gate >= 0.5", Mnist("mnist-robust.onnx", "fgsm", 0.3, 0.5, 0, 50, "d-robust.json"), seeds);
            double cnn = scanner.Run(ScanConfigReader.Load(Mnist("mnist-cnn.onnx", "fgsm", 0.1, 0.5, 0, 50, "d-probe.json"), scanner.Registry)).Gates[0].Measured.Value;
            Disagreement(scanner, $"mnist-cnn FGSM eps 0.1, gate >= {cnn + 0.05:0.000} (5 points above)", Mnist("mnist-cnn.onnx", "fgsm", 0.1, Math.Round(cnn + 0.05, 3), 0, 50, "d-near.json"), seeds);
            Disagreement(scanner, $"mnist-cnn FGSM eps 0.1, gate >= {cnn + 0.02:0.000} (2 points above)", Mnist("mnist-cnn.onnx", "fgsm", 0.1, Math.Round(cnn + 0.02, 3), 0, 50, "d-nearer.json"), seeds);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void TimeToVerdict(Scanner scanner, string name, string configPath)
    {
        var config = ScanConfigReader.Load(configPath, scanner.Registry);
        // Alternated twice, the faster of each kept: the machine is shared, so one run alone moves with others' load.
        double fullTime = double.MaxValue, sequentialTime = double.MaxValue;
        ScanReport full = null!, sequential = null!;
        for (int rep = 0; rep < 2; rep++)
        {
            var clock = Stopwatch.StartNew();
            full = scanner.Run(config);
            fullTime = Math.Min(fullTime, clock.Elapsed.TotalSeconds);
            clock.Restart();
            sequential = scanner.Run(config with { Sequential = true });
            sequentialTime = Math.Min(sequentialTime, clock.Elapsed.TotalSeconds);
        }
        var gate = sequential.Gates[0];
        var q = gate.Sequential!;
        Console.WriteLine(string.Create(C,
            $"    {name,-45} {full.Examples,14} {fullTime,6:0.0}s {full.Gates[0].Status,-6} | {q.ExamplesUsed,20} {sequentialTime,6:0.0}s {gate.Status,-6}  {q.Stop,-15} {q.Lower:0.000}-{q.Upper:0.000}     {fullTime / sequentialTime,5:0.0}x"));
    }

    private static void Disagreement(Scanner scanner, string name, string configPath, int seeds)
    {
        var config = ScanConfigReader.Load(configPath, scanner.Registry);
        var full = scanner.Run(config);
        bool fullPass = full.Gates[0].Status != GateStatus.Fail;
        int differ = 0, early = 0;
        long used = 0;
        for (int seed = 1; seed <= seeds; seed++)
        {
            var run = scanner.Run(config with { Sequential = true, Seed = seed });
            var gate = run.Gates[0];
            if ((gate.Status != GateStatus.Fail) != fullPass) differ++;
            if (gate.Sequential!.Stop != SequentialStop.SampleExhausted) early++;
            used += run.Examples;
        }
        Console.WriteLine(string.Create(C,
            $"    {name,-45} {full.Gates[0].Measured.Value,10:0.000}  {(fullPass ? "pass" : "fail"),-12} | {early,7}/{seeds,-5} {used / (double)seeds,14:0.0}  {differ,6}/{seeds} ({differ / (double)seeds:P1})"));
    }

    private static string Write(string folder, string name, string json)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, json);
        return path;
    }

    private static string Q(string s) => JsonSerializer.Serialize(s);
}
