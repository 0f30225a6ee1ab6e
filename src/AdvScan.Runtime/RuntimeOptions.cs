namespace AdvScan.Runtime;

/// <summary>How an ONNX Runtime session runs.</summary>
/// <param name="Threads">
/// Intra-op threads: the thread count the rest of the scan uses (libtorch's), so a black-box attack that only queries
/// ONNX Runtime gets the cores it was given. Inter-op stays at 1 (sequential graph execution).
/// </param>
/// <param name="Device">
/// "cpu", or "cuda"/"cuda:N" for ONNX Runtime's CUDA execution provider, which needs the ONNX Runtime GPU package
/// (`-p:AdvScanGpu=true`). Asking for it where it is missing is an error, never a quiet run on the CPU.
/// </param>
public sealed record RuntimeOptions(int Threads = 1, string Device = "cpu")
{
    public static RuntimeOptions Default { get; } = new();
}
