using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using TorchSharp;

namespace AdvScan.Scanning;

/// <summary>
/// Opens the ONNX Runtime session that judges a scan with the scan's own resources: libtorch's intra-op thread count
/// (what `--threads` sets; black-box attacks, which only query ONNX Runtime, ran on one thread before) and the scan's
/// device (ONNX Runtime's CUDA provider for cuda, refused where it is missing). A session opened beside the engine's
/// graph reads the graph's weight arrays instead of a copy of its own (<see cref="ReferenceSession.Open"/>).
/// </summary>
public static class RuntimeSessions
{
    public static RuntimeOptions Options(string? device = null) => new(Math.Max(1, torch.get_num_threads()), device ?? "cpu");

    /// <summary>Opens ONNX Runtime on <paramref name="model"/>, reading <paramref name="graph"/>'s weights when one is given.</summary>
    public static ReferenceSession Open(OnnxModel model, string? device = null, OnnxGraph? graph = null) =>
        ReferenceSession.Open(model, Options(device), graph?.SharedWeights);

    /// <summary>
    /// Imports the target's graph for a scan that has not opened ONNX Runtime yet, and drops the parsed file's copy of
    /// the weights: <see cref="Open"/> with the graph then gives ONNX Runtime the engine's arrays.
    /// </summary>
    public static OnnxGraph ImportBeforeSession(OnnxModel model, string device)
    {
        var graph = OnnxGraph.Import(model, new ImportOptions(device));
        model.ReleaseWeights();
        return graph;
    }

    /// <summary>
    /// Imports the target's graph for a scan whose ONNX Runtime session is already open, and leaves one copy of the
    /// weights: ONNX Runtime's own copy (with its pre-packed weights, 1.75x the weights for a ViT-B/16) is freed before
    /// the engine makes its tensors, the parsed file's after, and the session reopens over the engine's arrays. If the
    /// import fails, the session reopens as it was.
    /// </summary>
    public static OnnxGraph ImportTarget(OnnxModel model, ReferenceSession runtime, string device)
    {
        runtime.Suspend();
        OnnxGraph graph;
        try
        {
            graph = OnnxGraph.Import(model, new ImportOptions(device));
        }
        catch
        {
            runtime.Resume(null);
            throw;
        }
        try
        {
            // ONNX Runtime reopens from the file (or the engine's arrays), so the parsed protobuf's copy can go.
            model.ReleaseWeights();
            runtime.Resume(graph.SharedWeights);
            return graph;
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }
}
