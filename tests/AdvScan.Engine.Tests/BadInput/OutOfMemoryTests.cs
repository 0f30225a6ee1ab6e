using AdvScan.Onnx;
using AdvScan.Runtime;
using TorchSharp;

namespace AdvScan.Engine.Tests.BadInput;

/// <summary>
/// An allocation that cannot be served ends in one line naming the batch size that ran out and the one to try. The
/// model asks for ~10^14 bytes per example (an Expand to [batch, 10^7, 10^6] is free, adding it to itself is not), so
/// the allocators refuse at once without touching the machine's memory.
/// </summary>
public class OutOfMemoryTests
{
    private static OnnxModel Greedy()
    {
        var b = new OnnxGraphBuilder("greedy", 17);
        var x = b.Input("x", OnnxDataType.Float, "batch", 1, 1);
        var huge = b.Node("Expand", [x, b.Longs(1, 10_000_000, 1_000_000)]);
        b.Output(b.Node("Add", [huge, huge], name: "blow_up"), OnnxDataType.Float, "batch", 10_000_000, 1_000_000);
        return OnnxModel.Parse(b.ToBytes(), "greedy.onnx");
    }

    [Fact]
    public void Engine_out_of_memory_names_the_batch_size_and_half_of_it_in_one_line()
    {
        using var graph = OnnxGraph.Import(Greedy());
        using var scope = torch.NewDisposeScope();
        var error = Assert.Throws<InvalidInputException>(() => graph.forward(torch.ones(8, 1, 1)));
        Assert.Equal("greedy.onnx: ran out of memory in node 'blow_up' (Add) at batch size 8; try batchSize 4 (config \"batchSize\", or --batch)", error.Message);
    }

    [Fact]
    public void Onnx_runtime_out_of_memory_names_the_batch_size_and_half_of_it_in_one_line()
    {
        using var session = ReferenceSession.Open(Greedy());
        var error = Assert.Throws<InvalidInputException>(() => session.Run(new HostTensor(new float[6], [6, 1, 1])));
        Assert.StartsWith("greedy.onnx: ran out of memory in ONNX Runtime at batch size 6; try batchSize 3", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
