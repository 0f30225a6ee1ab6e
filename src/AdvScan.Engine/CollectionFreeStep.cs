using System.Runtime;

namespace AdvScan.Engine;

/// <summary>
/// Runs an optimiser step where no garbage collection can start. TorchSharp 0.107's optimisers (Adam's
/// <c>addcmul_(…, value: 1 - beta2)</c> and the like) turn doubles into native Scalars inside <c>step()</c>; when a
/// collection on any thread finalises such a Scalar while libtorch still reads it, the step fails with "Scalar.h:
/// toFloat/toDouble" (seen in about one suite run in six, in training, unlearning and Neural Cleanse, and the likely
/// cause of one Neural Cleanse run that drifted by 1e-6 from its same-seed twin). A no-GC region closes that window for
/// the whole process; a lock keeps concurrent callers (parallel tests, parallel scans) from asking for two regions.
/// </summary>
public static class CollectionFreeStep
{
    /// <summary>Managed allocation the step may make inside the region: Adam allocates a few wrappers per parameter.</summary>
    private const long Budget = 16L * 1024 * 1024;

    private static readonly object Gate = new();

    public static void Run(Action step)
    {
        lock (Gate)
        {
            bool region = GCSettings.LatencyMode != GCLatencyMode.NoGCRegion && GC.TryStartNoGCRegion(Budget);
            try
            {
                step();
            }
            finally
            {
                // A step that allocated past the budget has already left the region (a collection ran); nothing to end then.
                if (region && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
            }
        }
    }
}
