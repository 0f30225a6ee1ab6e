using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Engine.Ops;

/// <summary>
/// Resize and Upsample, computed from the ONNX definition rather than torch's interpolate: each resized axis is a
/// weighted sum of a few index_select taps whose positions and weights come from the exact ONNX coordinate
/// transform and rounding rules (in float32, as ONNX Runtime computes them). Nearest, linear (separable, so
/// bilinear/trilinear) and cubic all follow, for every coordinate_transformation_mode except tf_crop_and_resize.
/// </summary>
internal static class Resampling
{
    private sealed record Settings(string Mode, string Coordinates, string NearestMode, float CubicA, bool ExcludeOutside);

    /// <summary>Upsample (opsets 7-9): scales from an attribute (7) or input (9); asymmetric coordinates.</summary>
    [OnnxOp("Upsample")]
    public static Tensor[] Upsample(NodeContext c)
    {
        var x = c.Input(0);
        if (c.Opset < 7) throw c.Fail("uses the opset-1 Upsample form (height_scale/width_scale), which AdvScan does not support");
        var scales = c.Opset < 9 ? c.Floats("scales") ?? throw c.Fail("needs attribute 'scales'") : c.Doubles(1).Select(d => (float)d).ToArray();
        var settings = new Settings(Mode(c), "asymmetric", "legacy", -0.75f, false);
        return [Resample(c, x, scales, null, settings)];
    }

    /// <summary>
    /// Resize: opset 10 has (X, scales) with Upsample's semantics; 11+ has (X, roi, scales, sizes) and the
    /// coordinate_transformation_mode / nearest_mode / cubic attributes; 18 adds axes, antialias and
    /// keep_aspect_ratio_policy.
    /// </summary>
    [OnnxOp("Resize")]
    public static Tensor[] Resize(NodeContext c)
    {
        var x = c.Input(0);
        int rank = (int)x.dim();
        if (c.Opset < 11)
            return [Resample(c, x, c.Doubles(1).Select(d => (float)d).ToArray(), null, new Settings(Mode(c), "asymmetric", "legacy", -0.75f, false))];

        var settings = new Settings(Mode(c),
            c.String("coordinate_transformation_mode", "half_pixel"),
            c.String("nearest_mode", "round_prefer_floor"),
            c.Float("cubic_coeff_a", -0.75f),
            c.Int("exclude_outside", 0) != 0);
        if (settings.Coordinates == "tf_crop_and_resize")
            throw c.Fail("uses coordinate_transformation_mode tf_crop_and_resize, which AdvScan does not support");

        var axes = c.Ints("axes")?.Select(a => c.Axis(a, rank)).ToArray() ?? Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        bool hasScales = c.Has(2) && c.Input(2).numel() > 0, hasSizes = c.Has(3) && c.Input(3).numel() > 0;
        if (hasScales == hasSizes) throw c.Fail("needs exactly one of scales and sizes");
        var scales = Enumerable.Repeat(1f, rank).ToArray();
        long[]? sizes = null;
        if (hasScales)
        {
            var given = c.Doubles(2);
            if (given.Length != axes.Length) throw c.Fail($"has {given.Length} scales for {axes.Length} axes");
            for (int i = 0; i < axes.Length; i++) scales[axes[i]] = (float)given[i];
        }
        else
        {
            var given = c.Longs(3);
            if (given.Length != axes.Length) throw c.Fail($"has {given.Length} sizes for {axes.Length} axes");
            sizes = (long[])x.shape.Clone();
            var policy = c.String("keep_aspect_ratio_policy", "stretch");
            if (policy == "stretch")
            {
                for (int i = 0; i < axes.Length; i++) sizes[axes[i]] = given[i];
            }
            else
            {
                var ratios = axes.Select((a, i) => (float)given[i] / x.shape[a]).ToArray();
                float ratio = policy switch
                {
                    "not_larger" => ratios.Min(),
                    "not_smaller" => ratios.Max(),
                    _ => throw c.Fail($"has unknown keep_aspect_ratio_policy '{policy}'"),
                };
                foreach (var a in axes)
                {
                    sizes[a] = (long)Math.Round(ratio * x.shape[a], MidpointRounding.ToEven);
                    scales[a] = ratio;
                }
                return [Resample(c, x, scales, sizes, settings, scalesGiven: true)];
            }
        }
        if (c.Int("antialias", 0) != 0 && settings.Mode != "nearest")
        {
            bool shrinks = Enumerable.Range(0, rank).Any(i => sizes is not null ? sizes[i] < x.shape[i] : scales[i] < 1);
            if (shrinks) throw c.Fail("downsamples with antialias=1, which AdvScan does not support");
        }
        return [Resample(c, x, scales, sizes, settings)];
    }

    private static string Mode(NodeContext c)
    {
        var mode = c.String("mode", "nearest");
        // Opsets 7-10 spelled linear interpolation 'linear' too, but some exporters wrote 'bilinear'.
        if (mode == "bilinear") mode = "linear";
        if (mode is not ("nearest" or "linear" or "cubic")) throw c.Fail($"has unknown resize mode '{mode}'");
        return mode;
    }

    private static Tensor Resample(NodeContext c, Tensor x, float[] scales, long[]? sizes, Settings s, bool scalesGiven = false)
    {
        int rank = (int)x.dim();
        if (scales.Length != rank) throw c.Fail($"has {scales.Length} scales for a rank-{rank} input");
        for (int axis = 0; axis < rank; axis++)
        {
            long input = x.shape[axis];
            float scale;
            long output;
            if (sizes is not null && !scalesGiven)
            {
                output = sizes[axis];
                scale = (float)output / input;
            }
            else
            {
                scale = scales[axis];
                if (scale <= 0) throw c.Fail($"has a non-positive scale {scale}");
                output = sizes?[axis] ?? (long)(scale * input);
            }
            if (output == input && scale == 1f) continue;
            if (output <= 0) throw c.Fail($"resizes axis {axis} of size {input} to {output}");
            if (input == 0) throw c.Fail($"resizes an empty axis {axis}");
            x = ResampleAxis(x, axis, Taps(c, input, output, scale, s));
        }
        return x;
    }

    private static Tensor ResampleAxis(Tensor x, int axis, (long[] Index, float[] Weight)[] taps)
    {
        if (taps.Length == 1) return x.index_select(axis, torch.tensor(taps[0].Index, device: x.device));
        var shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        shape[axis] = taps[0].Index.Length;
        Tensor? sum = null;
        foreach (var (index, weight) in taps)
        {
            var w = torch.tensor(weight, device: x.device).reshape(shape).to_type(x.dtype);
            var term = x.index_select(axis, torch.tensor(index, device: x.device)) * w;
            sum = sum is null ? term : sum.Plus(term);
        }
        return sum!;
    }

    private static (long[] Index, float[] Weight)[] Taps(NodeContext c, long input, long output, float scale, Settings s)
    {
        int count = s.Mode switch { "nearest" => 1, "linear" => 2, _ => 4 };
        var taps = Enumerable.Range(0, count).Select(_ => (Index: new long[output], Weight: new float[output])).ToArray();
        for (long o = 0; o < output; o++)
        {
            float position = Original(c, o, input, output, scale, s.Coordinates);
            if (s.Mode == "nearest")
            {
                taps[0].Index[o] = Math.Clamp(Nearest(c, position, scale, s.NearestMode), 0, input - 1);
                taps[0].Weight[o] = 1;
                continue;
            }
            long floor = (long)MathF.Floor(position);
            float r = position - floor;
            float[] coefficients = s.Mode == "linear" ? [1 - r, r] : Cubic(r, s.CubicA);
            long first = s.Mode == "linear" ? floor : floor - 1;
            float total = 0;
            for (int k = 0; k < count; k++)
            {
                long at = first + k;
                float w = s.ExcludeOutside && (at < 0 || at >= input) ? 0 : coefficients[k];
                taps[k].Index[o] = Math.Clamp(at, 0, input - 1);
                taps[k].Weight[o] = w;
                total += w;
            }
            if (s.ExcludeOutside && total != 0)
                for (int k = 0; k < count; k++) taps[k].Weight[o] /= total;
        }
        return taps;
    }

    /// <summary>Where output index <paramref name="o"/> falls in the input, per coordinate_transformation_mode.</summary>
    private static float Original(NodeContext c, long o, long input, long output, float scale, string mode) => mode switch
    {
        "half_pixel" => (o + 0.5f) / scale - 0.5f,
        "pytorch_half_pixel" => output > 1 ? (o + 0.5f) / scale - 0.5f : 0f,
        "align_corners" => output == 1 ? 0f : o * (float)(input - 1) / (output - 1),
        "asymmetric" => o / scale,
        "tf_half_pixel_for_nn" => (o + 0.5f) / scale,
        "half_pixel_symmetric" => HalfPixelSymmetric(o, input, output, scale),
        _ => throw c.Fail($"has unknown coordinate_transformation_mode '{mode}'"),
    };

    private static float HalfPixelSymmetric(long o, long input, long output, float scale)
    {
        float adjustment = output / (scale * input);
        float center = input / 2f;
        float offset = center * (1 - adjustment);
        return offset + (o + 0.5f) / scale - 0.5f;
    }

    private static long Nearest(NodeContext c, float x, float scale, string mode)
    {
        float floor = MathF.Floor(x);
        bool tie = x - floor == 0.5f;
        return mode switch
        {
            "round_prefer_floor" => (long)(tie ? floor : MathF.Round(x)),
            "round_prefer_ceil" => (long)(tie ? floor + 1 : MathF.Round(x)),
            "floor" => (long)floor,
            "ceil" => (long)MathF.Ceiling(x),
            // Upsample and Resize-10: ONNX Runtime floors when enlarging and takes the ceiling when shrinking.
            "legacy" => (long)(scale < 1 ? MathF.Ceiling(x) : floor),
            _ => throw c.Fail($"has unknown nearest_mode '{mode}'"),
        };
    }

    /// <summary>Keys' cubic convolution weights for the taps at floor-1 .. floor+2 (ONNX's formulation).</summary>
    private static float[] Cubic(float r, float a) =>
    [
        ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
        ((a + 2) * r - (a + 3)) * r * r + 1,
        ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1,
        ((a * (2 - r) - 5 * a) * (2 - r) + 8 * a) * (2 - r) - 4 * a,
    ];
}
