using System.Reflection;
using TorchSharp;

namespace AdvScan.Engine.Ops;

internal delegate torch.Tensor[] Kernel(NodeContext context);

/// <summary>All operator kernels in this assembly, keyed by (domain, op type).</summary>
internal static class OpRegistry
{
    private static readonly Lazy<IReadOnlyDictionary<(string Domain, string OpType), Kernel>> Table = new(Discover);

    public static IReadOnlyDictionary<(string Domain, string OpType), Kernel> Kernels => Table.Value;

    public static bool TryGet(string domain, string opType, out Kernel kernel) =>
        Table.Value.TryGetValue((Onnx.OnnxModel.NormalizeDomain(domain), opType), out kernel!);

    private static IReadOnlyDictionary<(string, string), Kernel> Discover()
    {
        var table = new Dictionary<(string, string), Kernel>();
        foreach (var type in typeof(OpRegistry).Assembly.GetTypes())
            foreach (var method in type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
                foreach (var op in method.GetCustomAttributes<OnnxOpAttribute>())
                {
                    var kernel = method.CreateDelegate<Kernel>();
                    if (!table.TryAdd((op.Domain, op.OpType), kernel))
                        throw new InvalidOperationException($"two kernels claim ONNX op {op.Domain}:{op.OpType}");
                }
        return table;
    }
}
