namespace AdvScan.Engine.Tests.Runtime;

public class NativeHeapTests
{
    [Fact]
    public void The_c_heap_is_trimmed_on_linux_and_left_alone_elsewhere() =>
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeap.Trim());

    [Fact]
    public void The_reuse_policy_is_set_on_linux_and_setting_it_again_is_harmless()
    {
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeap.ReuseFreedMemory());
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeap.ReuseFreedMemory());
    }
}
