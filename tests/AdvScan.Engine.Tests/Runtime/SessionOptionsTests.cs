using AdvScan.Cli;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace AdvScan.Engine.Tests.Runtime;

/// <summary>ONNX Runtime sessions run with the scan's thread count and device; a CUDA request is never served by the CPU.</summary>
public class SessionOptionsTests
{
    [Fact]
    public void Session_options_take_the_configured_intra_op_thread_count()
    {
        using var options = ReferenceSession.CreateSessionOptions(new RuntimeOptions(Threads: 3), "m.onnx");
        Assert.Equal(3, options.IntraOpNumThreads);
        Assert.Equal(1, options.InterOpNumThreads);
        Assert.Equal(ExecutionMode.ORT_SEQUENTIAL, options.ExecutionMode);
    }

    [Fact]
    public void Session_options_keep_no_arena_and_no_memory_pattern_beside_libtorchs_activations()
    {
        using var options = ReferenceSession.CreateSessionOptions(new RuntimeOptions(Threads: 1), "m.onnx");
        Assert.False(options.EnableCpuMemArena);
        Assert.False(options.EnableMemoryPattern);
    }

    [Fact]
    public void Scan_sessions_follow_libtorchs_thread_count_so_black_box_attacks_get_the_same_cores()
    {
        int previous = torch.get_num_threads();
        try
        {
            torch.set_num_threads(2);
            Assert.Equal(2, RuntimeSessions.Options().Threads);
            torch.set_num_threads(1);
            Assert.Equal(1, RuntimeSessions.Options("cpu").Threads);
        }
        finally
        {
            torch.set_num_threads(previous);
        }
    }

    [Fact]
    public void Cli_threads_option_sets_the_count_for_the_run_and_restores_it()
    {
        int previous = torch.get_num_threads();
        var path = TestModels.WriteTemp(TestModels.SmallCnn(), "cnn.onnx");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(CliApp.Success, CliApp.Run(["model", "check", path, "--threads", "2"], stdout, stderr));
        Assert.Equal(previous, torch.get_num_threads());

        Assert.Equal(CliApp.BadInput, CliApp.Run(["model", "check", path, "--threads", "0"], stdout, stderr));
        Assert.Contains("option --threads needs a whole number from 1 to 1024, got '0'", stderr.ToString());
    }

    [Fact]
    public void Cuda_device_without_onnx_runtimes_gpu_provider_is_refused_naming_what_is_missing()
    {
        bool hasCuda = OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider");
        if (hasCuda)
        {
            using var options = ReferenceSession.CreateSessionOptions(new RuntimeOptions(1, "cuda"), "m.onnx");
            return;
        }
        var error = Assert.Throws<InvalidInputException>(() => ReferenceSession.CreateSessionOptions(new RuntimeOptions(1, "cuda"), "m.onnx"));
        Assert.Contains("device 'cuda' was asked for, but this ONNX Runtime has no CUDA execution provider", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        // The scan API refuses too, before any work, rather than judging on the CPU.
        var path = TestModels.WriteTemp(TestModels.SmallCnn(), "cnn.onnx");
        Assert.Throws<InvalidInputException>(() => RuntimeSessions.Open(OnnxModel.Load(path), "cuda:0"));
    }

    [Fact]
    public void Onnx_runtime_logits_are_the_same_bytes_on_one_and_two_threads()
    {
        var model = OnnxModel.Load(Path.Combine(Conformance.ConformanceCase.FixtureRoot(), "..", "mnist-cnn.onnx"));
        var random = new Random(3);
        var input = new HostTensor(Enumerable.Range(0, 16 * 28 * 28).Select(_ => (float)random.NextDouble()).ToArray(), [16, 1, 28, 28]);
        using var one = ReferenceSession.Open(model, new RuntimeOptions(1));
        using var two = ReferenceSession.Open(model, new RuntimeOptions(2));
        Assert.Equal(one.RunFirst(input).Data, two.RunFirst(input).Data);
    }
}
