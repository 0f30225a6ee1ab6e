using AdvScan.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace AdvScan.Runtime;

/// <summary>
/// Float16 and BFloat16 conversions at the ONNX Runtime boundary, by bit pattern so every platform rounds alike: float
/// to half through System.Half (IEEE round to nearest even), float to bfloat16 by rounding the low 16 bits to nearest
/// even (NaN kept a quiet NaN).
/// </summary>
public static class ReducedPrecision
{
    public static Float16 ToFloat16(float value) => new(BitConverter.HalfToUInt16Bits((Half)value));

    public static BFloat16 ToBFloat16(float value) => new(BFloat16Bits(value));

    public static ushort BFloat16Bits(float value) => ModelPrecision.BFloat16Bits(value);

    /// <summary>The float a value becomes after a round trip through float16.</summary>
    public static float RoundFloat16(float value) => (float)(Half)value;

    /// <summary>The float a value becomes after a round trip through bfloat16.</summary>
    public static float RoundBFloat16(float value) => BitConverter.UInt32BitsToSingle((uint)BFloat16Bits(value) << 16);

    internal static float[] Widen(ReadOnlySpan<Float16> values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = (float)BitConverter.UInt16BitsToHalf(values[i].value);
        return result;
    }

    internal static float[] Widen(ReadOnlySpan<BFloat16> values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = BitConverter.UInt32BitsToSingle((uint)values[i].value << 16);
        return result;
    }
}
