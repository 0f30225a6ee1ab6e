using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Tests.ScalarSafety;

/// <summary>
/// No AdvScan code creates an implicit TorchSharp Scalar (issue 24): TorchSharp 0.107 frees such a Scalar when a
/// garbage collection lands while libtorch still reads it. The TorchSharp members that create one are found from
/// TorchSharp's own IL (every method that converts a number to a Scalar, and every method that calls, or takes a
/// delegate to, one that does), so a TorchSharp upgrade is judged afresh; then every call in every AdvScan assembly is
/// checked against them. Explicit <c>ToScalar()</c> calls are allowed: they are visible, and <see cref="Scalars"/>
/// shows how to keep one alive.
/// </summary>
public class ImplicitScalarTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string Bin = AppContext.BaseDirectory;

    private static bool Converts(string call) =>
        call.StartsWith("TorchSharp.Scalar::op_Implicit(", StringComparison.Ordinal)
        || call.StartsWith("TorchSharp.ScalarExtensionMethods::ToScalar(", StringComparison.Ordinal)
        || call.StartsWith("TorchSharp.ScalarExtensionMethods::ToBFloat16Scalar(", StringComparison.Ordinal);

    /// <summary>TorchSharp methods that create a Scalar from a number, directly or through what they call.</summary>
    private static HashSet<string> CreatingMembers(Dictionary<string, List<string>> torchSharp)
    {
        var creating = torchSharp.Where(kv => kv.Value.Any(Converts)).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var (method, calls) in torchSharp)
                if (!creating.Contains(method) && calls.Any(creating.Contains)) grew |= creating.Add(method);
        }
        return creating;
    }

    [Fact]
    public void No_advscan_assembly_calls_a_torchsharp_member_that_creates_an_implicit_scalar()
    {
        var creating = CreatingMembers(IlCallGraph.Read(Path.Combine(Bin, "TorchSharp.dll")));
        // The analysis finds the culprits seen in failed runs, so it can fail: a + b (alpha 1), t * 0.5, Adam's step.
        Assert.Contains("TorchSharp.torch/Tensor::op_Addition(TorchSharp.torch/Tensor,TorchSharp.torch/Tensor)", creating);
        Assert.Contains("TorchSharp.torch/Tensor::op_Multiply(TorchSharp.torch/Tensor,Double)", creating);
        Assert.Contains("TorchSharp.Modules.Adam::step(System.Func`1<TorchSharp.torch/Tensor>)", creating);
        var optimizers = creating.Where(m => m.StartsWith("TorchSharp.Modules.", StringComparison.Ordinal) && m.Contains("::step(", StringComparison.Ordinal))
            .Select(m => m[..m.IndexOf("::", StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);

        var assemblies = Directory.GetFiles(Bin, "AdvScan.*.dll").Where(f => !f.EndsWith(".Tests.dll", StringComparison.Ordinal)).Append(Path.Combine(Bin, "advscan.dll")).ToList();
        Assert.Contains(assemblies, a => a.EndsWith("AdvScan.Attacks.dll", StringComparison.Ordinal));
        Assert.Contains(assemblies, a => a.EndsWith("AdvScan.Checks.dll", StringComparison.Ordinal));
        Assert.Contains(assemblies, a => a.EndsWith("AdvScan.Training.dll", StringComparison.Ordinal));
        var offences = new List<string>();
        foreach (var assembly in assemblies)
            foreach (var (method, calls) in IlCallGraph.Read(assembly))
                foreach (var call in calls.Distinct())
                {
                    bool implicitConversion = call.StartsWith("TorchSharp.Scalar::op_Implicit(", StringComparison.Ordinal);
                    // A TorchSharp optimizer is built only as the base of ScalarFreeAdam, whose step replaces the library's.
                    bool optimizer = (call.StartsWith("TorchSharp.torch/optim::", StringComparison.Ordinal)
                        || optimizers.Any(o => call.StartsWith(o + "::.ctor(", StringComparison.Ordinal)))
                        && !method.StartsWith("AdvScan.Engine.ScalarFreeAdam::.ctor(", StringComparison.Ordinal);
                    if (implicitConversion || optimizer || creating.Contains(call))
                        offences.Add($"{Path.GetFileName(assembly)}: {method} calls {call}");
                }
        Assert.True(offences.Count == 0,
            $"{offences.Count} call(s) create implicit TorchSharp Scalars; use AdvScan.Engine.Scalars (or ScalarFreeAdam):\n{string.Join("\n", offences)}");
    }

    /// <summary>
    /// The helpers under back-to-back collections on another thread. Measured on this project's 2-core machine, the
    /// same loop with TorchSharp's own <c>a + b</c> failed 441 times in 1.58 million operations in 20 s ("Expected
    /// false to be true" from libtorch reading a freed Scalar) and <c>a * 0.5</c> 180 times in 0.82 million; with the
    /// helpers, none in 4.7 million. (That failing loop is not run here: a freed Scalar can also crash the process.)
    /// </summary>
    [Fact]
    public void The_scalar_helpers_survive_back_to_back_collections()
    {
        using var a = torch.rand(8);
        using var b = torch.rand(8);
        var stop = false;
        int collections = 0;
        // Young-generation collections: the Scalars at stake are young, and these come ten times as often as full ones.
        var storm = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect(0);
                GC.WaitForPendingFinalizers();
                Interlocked.Increment(ref collections);
            }
        }) { IsBackground = true };
        storm.Start();
        long operations = 0;
        var failures = new List<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                using var scope = torch.NewDisposeScope();
                for (int i = 0; i < 1000; i++)
                {
                    try
                    {
                        // Mostly the two commonest (a + b, t * k), as a model's forward and backward run them; now and
                        // then every other helper.
                        _ = a.Plus(b);
                        _ = a.Times(0.5);
                        operations += 2;
                        if (i % 50 != 0) continue;
                        _ = a.Plus(0.25).Minus(1L).Over(3.0).Clamped(0.0, 1.0).Greater(0.1);
                        _ = a.SubtractedFrom(1L).DividedInto(2.0).Squared().Power(0.5).ClampedBelow(1e-3).LessOrEqual(2.0);
                        _ = torch.where(a.EqualTo(0L), Scalars.Full([8], 1.0), Scalars.Arange(8, ScalarType.Float32)).Softplus();
                        operations += 15;
                    }
                    catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or InvalidOperationException)
                    {
                        failures.Add(e.Message.Split('\n')[0]);
                    }
                }
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            storm.Join();
        }
        output.WriteLine($"{operations} operations, {collections} collections, {failures.Count} failures in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(collections >= 50, $"only {collections} collections ran");
        Assert.True(failures.Count == 0, $"{failures.Count} of {operations} operations failed under collections: {failures.FirstOrDefault()}");
        Assert.True(operations > 10_000, $"only {operations} operations ran");
    }
}
