using System.Globalization;

namespace AdvScan;

/// <summary>
/// An allocation that fails (libtorch's "can't allocate memory", CUDA's "out of memory", ONNX Runtime's "Failed to allocate memory" or bad_alloc) is
/// reported as one line naming the batch size that ran out and the one to try, not as the failing node's raw error.
/// Memory grows about linearly with the batch (bench/README.md lists peak RSS per batch size), so half is the next
/// step. A process the kernel's OOM killer ends cannot report anything: size batchSize from the README's table.
/// </summary>
public static class OutOfMemory
{
    public static bool Is(Exception e) =>
        e is OutOfMemoryException ||
        e.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase) ||
        e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) ||
        e.Message.Contains("failed to allocate memory", StringComparison.OrdinalIgnoreCase) ||
        e.Message.Contains("bad_alloc", StringComparison.Ordinal);

    public static InvalidInputException Refuse(string? file, long batch, string where, Exception inner) =>
        new(file, string.Create(CultureInfo.InvariantCulture,
            $"ran out of memory {where} at batch size {batch}; try batchSize {Math.Max(1, batch / 2)} (config \"batchSize\", or --batch){(batch <= 1 ? ": at batch size 1 the model does not fit this machine" : "")}"),
            inner: inner);
}
