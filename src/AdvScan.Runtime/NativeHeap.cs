using System.Runtime.InteropServices;

namespace AdvScan.Runtime;

/// <summary>
/// Hands memory the C heap holds but no longer uses back to the kernel. glibc keeps what a native library frees for
/// later reuse: ONNX Runtime parses the model file while opening a session and frees that copy of the weights, and glibc
/// kept it resident (355 MiB for a ViT-B/16) beside the engine's weights and the attack's activations for the rest of
/// the scan. <c>malloc_trim(0)</c> releases the free pages of every arena. A no-op off Linux or on a C library without
/// it (musl).
/// </summary>
public static class NativeHeap
{
    private static bool _unavailable;

    /// <summary>Releases the C heap's free pages; returns whether the call was made.</summary>
    public static bool Trim()
    {
        if (_unavailable || !OperatingSystem.IsLinux()) return false;
        try
        {
            MallocTrim(0);
            return true;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _unavailable = true;
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
