using AdvScan.Onnx;
using AdvScan.Runtime;
using TorchSharp;

namespace AdvScan.Scanning;

/// <summary>
/// Opens the ONNX Runtime session that judges a scan with the scan's own resources: libtorch's intra-op thread count
/// (what `--threads` sets; black-box attacks, which only query ONNX Runtime, ran on one thread before) and the scan's
/// device (ONNX Runtime's CUDA provider for cuda, refused where it is missing).
/// </summary>
public static class RuntimeSessions
{
    public static RuntimeOptions Options(string? device = null) => new(Math.Max(1, torch.get_num_threads()), device ?? "cpu");

    public static ReferenceSession Open(OnnxModel model, string? device = null) => ReferenceSession.Open(model, Options(device));
}
