using System.Text.Json;
using AdvScan.Checks.Backdoor;
using AdvScan.Checks.Patch;
using AdvScan.Checks.Poisoning;
using AdvScan.Checks.Tests.Backdoor;
using AdvScan.Checks.Tests.Patch;
using AdvScan.Cli;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using static AdvScan.Checks.Tests.Poisoning.PoisonFixtures;

namespace AdvScan.Checks.Tests.GcStress;

/// <summary>
/// TorchSharp's implicit Scalars cannot crash a scan (issue 24): a scan, a Neural Cleanse run, a patch run and the
/// poisoning check each complete while another thread runs garbage collections back to back, and give byte for byte
/// the results of the same run without them. A Scalar freed by a collection in the middle of a native call (what
/// <c>DOTNET_GCgen0size</c> used to hide in CI) shows up here as a "Scalar.h" failure or a different result.
/// </summary>
public sealed class CollectionStressTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("advscan-gc-stress-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>
    /// Collections back to back on another thread until disposed: full ones, and between them young-generation ones
    /// (the Scalars at stake are young, and those come about ten times as often), finalisers drained after each.
    /// </summary>
    private sealed class CollectionStorm : IDisposable
    {
        private readonly Thread _thread;
        private volatile bool _stop;

        public CollectionStorm()
        {
            _thread = new Thread(() =>
            {
                for (long round = 0; !_stop; round++)
                {
                    if (round % 8 == 0) GC.Collect();
                    else GC.Collect(0);
                    GC.WaitForPendingFinalizers();
                    Interlocked.Increment(ref _collections);
                }
            }) { IsBackground = true, Name = "collection storm" };
            _thread.Start();
        }

        private int _collections;

        public int Collections => Volatile.Read(ref _collections);

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
        }
    }

    /// <summary>Runs <paramref name="work"/> calm, then in a storm, and requires the same result and a storm that really blew.</summary>
    private static void SameUnderStorm(Func<string> work)
    {
        var calm = work();
        string stormy;
        int collections;
        using (var storm = new CollectionStorm())
        {
            stormy = work();
            collections = storm.Collections;
        }
        Assert.True(collections >= 10, $"only {collections} collections ran during the work");
        Assert.Equal(calm, stormy);
    }

    [Fact]
    public void A_scan_with_pgd_and_cw_completes_with_the_same_report_while_collections_run()
    {
        string Quote(string path) => JsonSerializer.Serialize(path);
        var config = Path.Combine(_folder, "advscan.json");
        System.IO.File.WriteAllText(config, $$"""
            {
              "model": {{Quote(File("mnist-cnn.onnx"))}},
              "data": { "path": {{Quote(File("mnist-test-images-idx3-ubyte"))}}, "labels": {{Quote(File("mnist-test-labels-idx1-ubyte"))}} },
              "sample": { "size": 20, "seed": 3 },
              "attacks": [
                { "id": "pgd", "attack": "pgd", "eps": [0.1], "steps": 5, "stepSize": 0.03 },
                { "id": "cw", "attack": "cw", "eps": [1.0], "steps": 5 }
              ],
              "gates": [ { "metric": "robustAccuracy", "attack": "pgd", "eps": 0.1, "min": 0.0 } ]
            }
            """);
        SameUnderStorm(() =>
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = CliApp.Run(["scan", config, "--plain-progress"], stdout, stderr);
            Assert.True(exit == CliApp.Success, stdout + "\n" + stderr);
            return stdout.ToString();
        });
    }

    [Fact]
    public void A_neural_cleanse_run_completes_with_the_same_triggers_while_collections_run()
    {
        using var zoo = new ZooContext("mnist-badnets.onnx", 30);
        var settings = new NeuralCleanseSettings(new NeuralCleanseOptions(Epochs: 3, BatchSize: 10, Patience: 2), Images: 20);
        SameUnderStorm(() =>
        {
            var analysis = NeuralCleanseAnalysis.Run(zoo.Context, settings);
            return JsonSerializer.Serialize(analysis.Reversal.Classes.Select(c => new { c.Class, c.MaskNorm, c.Success, c.Trigger.Mask, c.Trigger.Pattern }));
        });
    }

    [Fact]
    public void A_patch_run_completes_with_the_same_patch_and_report_while_collections_run()
    {
        using var signs = ModelFixture.Signs();
        var settings = new PatchSettings
        {
            Areas = [0.1], Target = 9, Region = new PatchRegion(0.2, 0.2, 0.8, 0.8), Steps = 6, LearningRate = 0.05, ImagesPerStep = 8, DrawsPerImage = 2,
        };
        int run = 0;
        SameUnderStorm(() =>
        {
            var report = new PatchCheck().Run(signs.Context(size: 60), settings with { SavePatch = Path.Combine(_folder, $"run{run++}", "patch.png") });
            return JsonSerializer.Serialize(report.Metrics) + Convert.ToHexString(System.IO.File.ReadAllBytes(Path.Combine(_folder, $"run{run - 1}", "patch.png")));
        });
    }

    [Fact]
    public void The_poisoning_check_completes_with_the_same_findings_while_collections_run()
    {
        var onnx = OnnxModel.Load(File("mnist-badnets.onnx"));
        using var runtime = ReferenceSession.Open(onnx);
        using var heldOut = DatasetSource.Open(File("mnist-test-images-idx3-ubyte"), File("mnist-test-labels-idx1-ubyte"), null, onnx);
        using var graph = OnnxGraph.Import(onnx);
        var context = new CheckContext(() => graph)
        {
            Model = onnx, Runtime = runtime, Dataset = heldOut, Sample = [], Indices = [], BatchSize = 128,
            OpenData = (path, labels) => DatasetSource.Open(path, labels, null, onnx),
        };
        var settings = new PoisoningSettings(PoisonedImages, PoisonedLabels, Truth: PoisonedTruth, Seed: 3);
        SameUnderStorm(() =>
        {
            var report = new PoisoningCheck().Run(context, settings);
            Assert.Equal(1, report.Metrics.Single(m => m.Metric == "poisonFlaggedClasses").Value);
            return JsonSerializer.Serialize(report.Metrics) + JsonSerializer.Serialize(report.Findings.Select(f => f.Message));
        });
    }
}
