using TorchSharp;

namespace AdvScan.Engine;

/// <summary>Where the differentiable graph runs. "cpu" by default; "cuda" only when asked and present.</summary>
public static class ComputeDevice
{
    /// <summary>
    /// Resolves a device name ("cpu", "cuda", "cuda:1"). Asking for CUDA on a machine without it is an error, never a
    /// silent fallback to CPU: a scan that was meant to run on the GPU and quietly did not is a misleading scan.
    /// </summary>
    public static torch.Device Resolve(string? name)
    {
        var text = string.IsNullOrWhiteSpace(name) ? "cpu" : name.Trim().ToLowerInvariant();
        if (text == "cpu") return torch.CPU;
        if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new InvalidInputException(null,
                    $"device '{text}' was asked for, but CUDA is not available here (no GPU, or AdvScan was built without -p:AdvScanGpu=true); choose the cpu device");
            if (text == "cuda") return torch.CUDA;
            if (!int.TryParse(text[5..], out var index) || index < 0 || index >= torch.cuda.device_count())
                throw new InvalidInputException(null, $"device '{text}' does not exist; this machine has {torch.cuda.device_count()} CUDA device(s)");
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new InvalidInputException(null, $"unknown device '{name}'; expected cpu or cuda");
    }
}
