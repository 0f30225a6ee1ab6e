using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Scanning;

/// <summary>Options for <see cref="ModelCheck"/>.</summary>
/// <param name="Device">Where the differentiable graph runs.</param>
/// <param name="BatchSize">Size given to symbolic (dynamic) dimensions of the input.</param>
/// <param name="Seed">Seed of the random batch, so a check is repeatable.</param>
/// <param name="RelativeTolerance">
/// Allowed |engine - runtime| relative to each value and to the output's scale (see <see cref="ModelCheck.Compare"/>).
/// Float16 and BFloat16 models are compared at no less than <see cref="ModelCheck.ReducedPrecisionTolerance"/>:
/// ONNX Runtime computes them in their own type.
/// </param>
public sealed record ModelCheckOptions(string Device = "cpu", int BatchSize = 2, int Seed = 0, double RelativeTolerance = 1e-4);

/// <summary>What <see cref="ModelCheck"/> found.</summary>
public sealed record ModelCheckReport(
    string Model,
    string Sha256,
    IReadOnlyList<OnnxValueInfo> Inputs,
    IReadOnlyList<OnnxValueInfo> Outputs,
    long[] BatchShape,
    long[] OutputShape,
    IReadOnlyDictionary<string, int> OpHistogram,
    double MaxAbsoluteDifference,
    double MaxRelativeDifference,
    bool OutputsFinite,
    bool GradientsFlow,
    bool ParityHolds)
{
    /// <summary>The relative tolerance parity was judged at (the option's, or the reduced-precision floor).</summary>
    public double Tolerance { get; init; }

    public bool Passed => ParityHolds && GradientsFlow && OutputsFinite;
}

/// <summary>
/// Imports a model, feeds the same random batch to the differentiable graph and to ONNX Runtime, and reports whether
/// they agree and whether input gradients flow: the precondition for every white-box attack on that model.
/// </summary>
public static class ModelCheck
{
    public static ModelCheckReport Run(string modelPath, ModelCheckOptions? options = null)
    {
        options ??= new ModelCheckOptions();
        var model = OnnxModel.Load(modelPath);
        if (model.Inputs.Count != 1)
            throw new InvalidInputException(model.File, $"has {model.Inputs.Count} inputs; AdvScan checks image classifiers with exactly one input");
        var input = model.Inputs[0];
        if (input.Shape is null) throw new InvalidInputException(model.File, $"input '{UntrustedText.Escape(input.Name)}' declares no shape; AdvScan needs at least its rank");
        var shape = input.Shape.Select(d => d.Value is > 0 ? d.Value.Value : options.BatchSize).ToArray();
        // The batch is synthesised from the declared shape alone: a 230-byte model declaring 12000x12000 asked for 2.4 GB.
        long count = shape.Aggregate(1L, (a, b) => a > long.MaxValue / b ? long.MaxValue : a * b);
        ResourceLimits.Check(count, ResourceLimits.Current.MaxTensorElements, "maxTensorElements",
            $"the input model check synthesises for '{UntrustedText.Escape(input.Name)}' {input.ShapeText} (batch {options.BatchSize}) has an element count that", model.File);
        using var graph = OnnxGraph.Import(model, new ImportOptions(options.Device));
        var random = new Random(options.Seed);
        var data = new float[count];
        for (long i = 0; i < count; i++) data[i] = (float)random.NextDouble();

        model.ReleaseWeights();
        // ONNX Runtime reads the engine's weight arrays: one copy of the weights, and the same values on both sides.
        using var runtime = RuntimeSessions.Open(model, options.Device, graph);
        var reference = runtime.RunFirst(new HostTensor(data, shape));

        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(data, shape, ScalarType.Float32).to(graph.Device).requires_grad_(true);
        var y = graph.forward(x);
        var engine = TensorConversion.ToHostFloats(y);
        bool finite = engine.All(float.IsFinite) && reference.Data.All(float.IsFinite);
        double tolerance = Math.Max(options.RelativeTolerance, ReducedPrecisionTolerance(model));
        var (maxAbs, maxRel, parity) = Compare(engine, reference.Data, tolerance);
        bool shapesMatch = y.shape.SequenceEqual(reference.Shape);

        bool gradients = false;
        if (y.is_floating_point())
        {
            try
            {
                y.sum().backward();
            }
            catch (System.Runtime.InteropServices.ExternalException e)
            {
                // A libtorch failure in backward is a property of this model (an op whose gradient libtorch refuses),
                // so it is reported like any other unusable input: one line, naming the file.
                throw new InvalidInputException(model.File, $"input gradients cannot be computed: {e.Message.Split('\n', 2)[0].Trim()}", inner: e);
            }
            if (x.grad is { } g)
            {
                var grad = TensorConversion.ToHostFloats(g);
                gradients = grad.All(float.IsFinite) && grad.Any(v => v != 0);
            }
        }
        return new ModelCheckReport(model.DisplayName, model.Sha256, model.Inputs, model.Outputs, shape, y.shape,
            graph.OpHistogram, maxAbs, maxRel, finite, gradients, parity && shapesMatch && finite) { Tolerance = tolerance };
    }

    /// <summary>
    /// The least tolerance a reduced-precision model is judged at: ONNX Runtime runs a float16 graph in float16 (unit
    /// roundoff 4.9e-4) and a bfloat16 one in bfloat16 (3.9e-3) while the engine computes in float32, so their outputs
    /// differ by some tens of roundoffs of the output's scale in a deep net. 0 for float32 and float64 models.
    /// </summary>
    public static double ReducedPrecisionTolerance(OnnxModel model)
    {
        var types = model.Inputs.Concat(model.Outputs).Select(v => v.ElementType).ToList();
        if (types.Contains(OnnxDataType.BFloat16)) return 6e-2;
        if (types.Contains(OnnxDataType.Float16)) return 1e-2;
        return 0;
    }

    /// <summary>
    /// Max absolute and scale-relative differences, and whether every element satisfies
    /// |a - b| &lt;= tol * (|b| + max|b|): floating-point error grows with the magnitude of the whole tensor, not of
    /// each element, so a near-zero logit is compared against the output's scale. There is no absolute slack: an
    /// absolute 1e-7 let an all-zero output pass for a model whose logits are ~1e-9 (random-weight MobileNets), while
    /// floating-point error scales with the values, so a relative rule holds at any scale. An expected output that is
    /// exactly zero everywhere must be matched exactly.
    /// </summary>
    public static (double MaxAbsolute, double MaxRelative, bool Within) Compare(float[] actual, float[] expected, double tolerance)
    {
        if (actual.Length != expected.Length) return (double.PositiveInfinity, double.PositiveInfinity, false);
        double scale = expected.Length == 0 ? 0 : expected.Max(v => Math.Abs((double)v));
        double maxAbs = 0;
        bool within = true;
        for (int i = 0; i < actual.Length; i++)
        {
            double diff = Math.Abs((double)actual[i] - expected[i]);
            if (double.IsNaN(diff)) diff = double.PositiveInfinity;
            maxAbs = Math.Max(maxAbs, diff);
            if (diff > tolerance * (Math.Abs(expected[i]) + scale)) within = false;
        }
        return (maxAbs, scale > 0 ? maxAbs / scale : maxAbs, within);
    }
}
