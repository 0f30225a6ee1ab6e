using AdvScan.Checks.Poisoning;
using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Scanning;

namespace AdvScan.Checks.Tests.Poisoning;

/// <summary>The zoo files the poisoning tests screen, and one place that opens them the way the scanner does.</summary>
internal static class PoisonFixtures
{
    public static readonly string Folder = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../fixtures"));
    public static string File(string name) => Path.Combine(Folder, name);

    public static readonly string PoisonedImages = File("mnist-badnets-train-images-idx3-ubyte");
    public static readonly string PoisonedLabels = File("mnist-badnets-train-labels-idx1-ubyte");
    public static readonly string PoisonedTruth = File("mnist-badnets-train.backdoor.json");
    public static readonly string CleanImages = File("mnist-clean-train-images-idx3-ubyte");
    public static readonly string CleanLabels = File("mnist-clean-train-labels-idx1-ubyte");

    public static PoisoningResult Screen(string model, string images, string labels, PoisoningSettings? settings = null)
    {
        var onnx = OnnxModel.Load(File(model));
        using var data = DatasetSource.Open(images, labels, null, onnx);
        using var graph = OnnxGraph.Import(onnx);
        return PoisonScreening.Run(graph, data, settings ?? new PoisoningSettings(images, labels));
    }
}
