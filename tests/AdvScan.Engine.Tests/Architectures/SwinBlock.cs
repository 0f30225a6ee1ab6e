using AdvScan.Onnx;

namespace AdvScan.Engine.Tests.Architectures;

/// <summary>
/// One shifted-window transformer block written the way torchvision's swin_t exports it (opset 17): patch Conv, NHWC
/// LayerNormalization, torch.roll as Slice+Concat, window partition by Reshape/Transpose, attention with a relative
/// position bias Gathered from a table, and the shifted-window mask built at run time from the feature map's shape:
/// a zero map from ConstantOfShape, nine ScatterND writes of region numbers, then Where(difference == 0, 0, -100).
/// The attention's Dropout is exported in training mode with ratio 0. Then the reverse roll, residual, an MLP and a
/// mean-pooled linear head. Float for parity with ONNX Runtime, double for finite-difference gradient checks.
/// </summary>
internal static class SwinBlock
{
    private const long Channels = 8, Heads = 2, HeadDim = 4, Window = 4, Shift = 2, Feature = 8, Classes = 10;

    private static Dictionary<string, object> Attrs(params (string Key, object Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    public static OnnxGraphBuilder Build(OnnxDataType type, object batch, int seed = 31)
    {
        var r = new Random(seed);
        var b = new OnnxGraphBuilder("swin-block-" + type.ToString().ToLowerInvariant(), 17) { ProducerName = "pytorch" };
        string Weights(string name, long[] dims, double scale, double centre = 0)
        {
            int count = (int)dims.Aggregate(1L, (p, q) => p * q);
            var values = Enumerable.Range(0, count).Select(_ => centre + (r.NextDouble() * 2 - 1) * scale).ToArray();
            return type == OnnxDataType.Double ? b.Initializer(name, dims, values) : b.Initializer(name, dims, values.Select(v => (float)v).ToArray());
        }
        string Scalar(string name, double value) =>
            type == OnnxDataType.Double ? b.Initializer(name, [], [value]) : b.Initializer(name, [], [(float)value]);
        string Linear(string x, string name, long fin, long fout) =>
            b.Node("Add", [b.Node("MatMul", [x, Weights(name + ".weight_t", [fin, fout], Math.Sqrt(3.0 / fin))]), Weights(name + ".bias", [fout], 0.05)]);
        string LayerNorm(string x, string name) =>
            b.Node("LayerNormalization", [x, Weights(name + ".weight", [Channels], 0.1, 1), Weights(name + ".bias", [Channels], 0.05)], Attrs(("axis", -1L), ("epsilon", 1e-5f)));
        string Roll(string x, long by)
        {
            // torch.roll(x, (by, by), dims=(1, 2)) as exported: per axis, the tail slice then the head slice.
            long cut = ((-by % Feature) + Feature) % Feature;
            foreach (long axis in new long[] { 1, 2 })
            {
                var tail = b.Node("Slice", [x, b.Longs(cut), b.Longs(Feature), b.Longs(axis)]);
                var head = b.Node("Slice", [x, b.Longs(0), b.Longs(cut), b.Longs(axis)]);
                x = b.Node("Concat", [tail, head], Attrs(("axis", axis)));
            }
            return x;
        }

        var input = b.Input("input", type, batch, 3, 2 * Feature, 2 * Feature);
        var patches = b.Node("Conv", [input, Weights("patch.weight", [Channels, 3, 2, 2], 0.5), Weights("patch.bias", [Channels], 0.05)],
            Attrs(("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })));
        var tokens = b.Node("Transpose", [patches], Attrs(("perm", new long[] { 0, 2, 3, 1 })));

        // Shifted-window attention.
        var shifted = Roll(LayerNorm(tokens, "norm1"), -Shift);
        long perSide = Feature / Window, windows = perSide * perSide, area = Window * Window;
        var partitioned = b.Node("Reshape", [shifted, b.Longs(-1, perSide, Window, perSide, Window, Channels)]);
        partitioned = b.Node("Reshape", [b.Node("Transpose", [partitioned], Attrs(("perm", new long[] { 0, 1, 3, 2, 4, 5 }))), b.Longs(-1, area, Channels)]);
        var qkv = b.Node("Reshape", [Linear(partitioned, "qkv", Channels, 3 * Channels), b.Longs(-1, area, 3, Heads, HeadDim)]);
        qkv = b.Node("Transpose", [qkv], Attrs(("perm", new long[] { 2, 0, 3, 1, 4 })));
        string Part(long i) => b.Node("Gather", [qkv, b.Initializer($"part{i}", [], [i])], Attrs(("axis", 0L)));
        var (q, k, v) = (Part(0), Part(1), Part(2));
        var scores = b.Node("MatMul", [b.Node("Mul", [q, Scalar("scale", 1 / Math.Sqrt(HeadDim))]), b.Node("Transpose", [k], Attrs(("perm", new long[] { 0, 1, 3, 2 })))]);

        // Relative position bias: a (2W-1)^2 x heads table indexed by each token pair's offset.
        var relative = new long[area * area];
        for (long p = 0; p < area; p++)
            for (long s = 0; s < area; s++)
                relative[p * area + s] = (p / Window - s / Window + Window - 1) * (2 * Window - 1) + (p % Window - s % Window + Window - 1);
        var bias = b.Node("Gather", [Weights("relative_position_bias_table", [(2 * Window - 1) * (2 * Window - 1), Heads], 0.5), b.Initializer("relative_position_index", [area * area], relative)], Attrs(("axis", 0L)));
        bias = b.Node("Transpose", [b.Node("Reshape", [bias, b.Longs(area, area, Heads)])], Attrs(("perm", new long[] { 2, 0, 1 })));
        scores = b.Node("Add", [scores, b.Node("Unsqueeze", [bias, b.Longs(0)])]);

        // The mask: x.new_zeros((H, W)) with H, W read from the runtime shape, then attn_mask[h, w] = count for the
        // nine (h, w) regions of slice(0, -W), slice(-W, -shift), slice(-shift, None), each one ScatterND.
        var shape = b.Node("Shape", [shifted]);
        var size = b.Node("Gather", [shape, b.Initializer("hw", [2], new long[] { 1, 2 })], Attrs(("axis", 0L)));
        var zero = type == OnnxDataType.Double ? new OnnxTensor("zero", OnnxDataType.Double, [1], new double[] { 0 }) : OnnxTensor.FromFloats("zero", [1], [0f]);
        var mask = b.Node("ConstantOfShape", [size], Attrs(("value", zero)));
        (long Start, long End)[] regions = [(0, Feature - Window), (Feature - Window, Feature - Shift), (Feature - Shift, Feature)];
        int count = 0;
        foreach (var (h0, h1) in regions)
            foreach (var (w0, w1) in regions)
            {
                var tuples = new List<long>();
                for (long i = h0; i < h1; i++)
                    for (long j = w0; j < w1; j++) tuples.AddRange([i, j]);
                var indices = b.Initializer($"region{count}.indices", [h1 - h0, w1 - w0, 2], tuples.ToArray());
                var updates = b.Node("Expand", [Scalar($"region{count}.value", count), b.Longs(h1 - h0, w1 - w0)]);
                mask = b.Node("ScatterND", [mask, indices, updates], name: $"/features/block/attn/ScatterND_{count}");
                count++;
            }
        var maskWindows = b.Node("Reshape", [mask, b.Longs(perSide, Window, perSide, Window)]);
        maskWindows = b.Node("Reshape", [b.Node("Transpose", [maskWindows], Attrs(("perm", new long[] { 0, 2, 1, 3 }))), b.Longs(windows, area)]);
        var difference = b.Node("Sub", [b.Node("Unsqueeze", [maskWindows, b.Longs(1)]), b.Node("Unsqueeze", [maskWindows, b.Longs(2)])]);
        var additive = b.Node("Where", [b.Node("Equal", [difference, Scalar("mask.zero", 0)]), Scalar("mask.keep", 0), Scalar("mask.block", -100)]);
        scores = b.Node("Reshape", [scores, b.Longs(-1, windows, Heads, area, area)]);
        scores = b.Node("Add", [scores, b.Node("Unsqueeze", [additive, b.Longs(0, 2)])]);
        scores = b.Node("Reshape", [scores, b.Longs(-1, Heads, area, area)]);
        var attention = b.Node("Softmax", [scores], Attrs(("axis", -1L)));
        attention = b.Node("Dropout", [attention, Scalar("dropout.ratio", 0), b.Initializer(new OnnxTensor("dropout.training", OnnxDataType.Bool, [], new[] { true }))]);
        var attended = b.Node("Transpose", [b.Node("MatMul", [attention, v])], Attrs(("perm", new long[] { 0, 2, 1, 3 })));
        attended = Linear(b.Node("Reshape", [attended, b.Longs(-1, area, Channels)]), "proj", Channels, Channels);

        // Window reverse, roll back, residual, MLP with exact GELU, head.
        var merged = b.Node("Reshape", [attended, b.Longs(-1, perSide, perSide, Window, Window, Channels)]);
        merged = b.Node("Reshape", [b.Node("Transpose", [merged], Attrs(("perm", new long[] { 0, 1, 3, 2, 4, 5 }))), b.Longs(-1, Feature, Feature, Channels)]);
        var h = b.Node("Add", [tokens, Roll(merged, Shift)]);
        var hidden = Linear(LayerNorm(h, "norm2"), "mlp.0", Channels, 4 * Channels);
        var gelu = b.Node("Mul", [b.Node("Mul", [hidden, b.Node("Add", [b.Node("Erf", [b.Node("Div", [hidden, Scalar("sqrt2", Math.Sqrt(2))])]), Scalar("one", 1)])]), Scalar("half", 0.5)]);
        h = b.Node("Add", [h, Linear(gelu, "mlp.2", 4 * Channels, Channels)]);
        var pooled = b.Node("ReduceMean", [h], Attrs(("axes", new long[] { 1, 2 }), ("keepdims", 0L)));
        var logits = b.Node("Add", [b.Node("MatMul", [pooled, Weights("head.weight_t", [Channels, Classes], 0.5)]), Weights("head.bias", [Classes], 0.05)]);
        b.Output(logits, type, batch, Classes);
        return b;
    }
}
