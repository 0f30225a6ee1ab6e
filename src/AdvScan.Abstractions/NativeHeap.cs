using System.Runtime.InteropServices;

namespace AdvScan;

/// <summary>
/// The C heap's policy for the engine's tensors, which libtorch and ONNX Runtime allocate through glibc.
/// </summary>
/// <remarks>
/// Two problems, one per direction. Kept too long: glibc keeps what a native library frees for later reuse, so ONNX
/// Runtime's parsed copy of the weights (355 MiB for a ViT-B/16) stayed resident beside the engine's weights for the
/// whole scan; <see cref="Trim"/> hands such pages back. Given back too soon: by default glibc serves a block above a
/// moving threshold with its own mmap and returns it on free, and returns the top of the heap past another, so an
/// attack's batch-sized tensors (9.6 MB for 16 images at 224x224) came back as fresh pages the kernel had to fault in
/// and zero at every step. Whether they did depended on the order of earlier frees: the same PGD run on examples/signs224
/// took 1.39 s in one process and 1.78 s in the next, while the bare forward+backward beside it stayed at 1.18 s.
/// <see cref="ReuseFreedMemory"/> fixes both thresholds so freed blocks are reused; <see cref="Trim"/> still gives the
/// free pages back when the engine is done. A no-op off Linux or on a C library without these calls (musl).
/// The thresholds govern the main arena fully; a thread's own arena still unmaps a secondary heap that a freed block
/// leaves empty, whatever the trim threshold, so a test that counted page faults on a test-runner thread was flaky
/// (7,680 of 7,680 pages faulted in one run, none in others) and the effect is measured in bench (n) instead, where
/// the CLI's and the bench's attacks run on the main thread.
/// </remarks>
public static class NativeHeap
{
    // mallopt parameters (malloc.h).
    private const int TrimThreshold = -1, MmapThreshold = -3;

    /// <summary>glibc's largest mmap threshold on 64-bit: blocks above it are mapped and unmapped whatever the setting.</summary>
    private const int LargestMmapThreshold = 32 * 1024 * 1024;

    private static bool _unavailable;
    private static int _reusing;

    /// <summary>Releases the C heap's free pages; returns whether the call was made.</summary>
    public static bool Trim() => Call(() => MallocTrim(0)) is not null;

    /// <summary>
    /// Keeps blocks up to 32 MiB on the heap and the heap's free top in the process (until <see cref="Trim"/>), so
    /// memory freed by one step is reused by the next instead of faulted in again. Process-wide and set once; returns
    /// whether the policy is in force.
    /// </summary>
    public static bool ReuseFreedMemory()
    {
        if (Volatile.Read(ref _reusing) == 1) return true;
        // mallopt answers 1 when it took the value.
        bool set = Call(() => Mallopt(MmapThreshold, LargestMmapThreshold)) == 1 && Call(() => Mallopt(TrimThreshold, int.MaxValue)) == 1;
        if (set) Volatile.Write(ref _reusing, 1);
        return set;
    }

    /// <summary>The C library's answer, or null where there is no such call.</summary>
    private static int? Call(Func<int> call)
    {
        if (_unavailable || !OperatingSystem.IsLinux()) return null;
        try
        {
            return call();
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _unavailable = true;
            return null;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);
}
