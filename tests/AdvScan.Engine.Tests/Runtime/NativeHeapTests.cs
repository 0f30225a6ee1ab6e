using System.Runtime.InteropServices;

namespace AdvScan.Engine.Tests.Runtime;

public class NativeHeapTests
{
    /// <summary>Minor page faults of this thread so far (/proc/thread-self/stat, field 10).</summary>
    private static long MinorFaults()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>What a step does with a tensor: malloc (libtorch's CPU allocator), write every page, free.</summary>
    private static void TouchAndFree(int bytes)
    {
        var block = Marshal.AllocHGlobal(bytes);
        try
        {
            for (int offset = 0; offset < bytes; offset += 4096) Marshal.WriteByte(block, offset, 1);
        }
        finally { Marshal.FreeHGlobal(block); }
    }

    [Fact]
    public void The_c_heap_is_trimmed_on_linux_and_left_alone_elsewhere() =>
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeap.Trim());

    [Fact]
    public void The_reuse_policy_is_set_on_linux_and_setting_it_again_is_harmless()
    {
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeap.ReuseFreedMemory());
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeap.ReuseFreedMemory());
    }

    [Fact]
    public void A_batch_sized_block_freed_by_one_step_is_reused_by_the_next_without_faulting_its_pages_in_again()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.True(NativeHeap.ReuseFreedMemory());
        // 30 MiB: under glibc's 32 MiB ceiling, above the thresholds its defaults start from (128 KiB), so by default
        // such a block is mapped and unmapped each time unless an earlier free happened to raise them.
        const int bytes = 30 * 1024 * 1024, pages = bytes / 4096;
        TouchAndFree(bytes);
        long before = MinorFaults();
        TouchAndFree(bytes);
        TouchAndFree(bytes);
        long faults = MinorFaults() - before;
        Assert.True(faults < pages / 10, $"{faults} page faults for two reuses of a {pages}-page block");
    }
}
