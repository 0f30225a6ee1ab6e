using SkiaSharp;

namespace AdvScan.Checks.Patch;

/// <summary>PNG bytes of [C,H,W] pixels in [0,1] (C is 1 or 3), with an optional opacity plane for the patch's outline.</summary>
public static class PatchPng
{
    public static byte[] Encode(float[] chw, int channels, int height, int width, float[]? alpha = null)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"PNG export takes 1- or 3-channel images, not {channels}", nameof(channels));
        int plane = height * width;
        var type = alpha is null ? SKAlphaType.Opaque : SKAlphaType.Unpremul;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, type));
        var bytes = new byte[plane * 4];
        for (int i = 0; i < plane; i++)
        {
            for (int c = 0; c < 3; c++) bytes[4 * i + c] = Byte(chw[(channels == 3 ? c : 0) * plane + i]);
            bytes[4 * i + 3] = alpha is null ? (byte)255 : Byte(alpha[i]);
        }
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The path for one area's file: the given path with one area, "name-area0.1.png" with several.</summary>
    public static string PathFor(string path, double area, bool several) =>
        several ? Path.Combine(Path.GetDirectoryName(path) ?? ".", $"{Path.GetFileNameWithoutExtension(path)}-area{area.ToString(System.Globalization.CultureInfo.InvariantCulture)}{Path.GetExtension(path)}") : path;

    private static byte Byte(float v) => float.IsFinite(v) ? (byte)Math.Clamp(MathF.Round(v * 255f), 0, 255) : (byte)0;
}
