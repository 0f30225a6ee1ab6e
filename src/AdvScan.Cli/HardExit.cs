using System.Runtime.InteropServices;

namespace AdvScan.Cli;

/// <summary>
/// Ends the process at once with an exit code, running no exit handlers. After a --timeout whose work did not stop,
/// that work is still inside libtorch or ONNX Runtime on another thread, and a normal exit runs their static
/// destructors under it (measured: a segmentation fault, exit 139, instead of the promised 124).
/// </summary>
internal static class HardExit
{
    public static void Now(int code)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        if (OperatingSystem.IsWindows()) TerminateProcess(GetCurrentProcess(), (uint)code);
        else UnixExit(code);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void UnixExit(int status);

    [DllImport("kernel32.dll")]
    private static extern IntPtr GetCurrentProcess();

    [DllImport("kernel32.dll")]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool TerminateProcess(IntPtr process, uint exitCode);
}
