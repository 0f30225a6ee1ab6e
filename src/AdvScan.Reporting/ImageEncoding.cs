using AdvScan.Scanning;
using SkiaSharp;

namespace AdvScan.Reporting;

/// <summary>Turns [0,1] CHW pixels (grayscale or RGB) into PNG bytes for data: URIs.</summary>
public static class ImageEncoding
{
    /// <summary>Height, width and channels of an example: the last two dimensions are H and W, the rest is channels.</summary>
    public static (int Height, int Width, int Channels) Geometry(ExampleImage image)
    {
        var shape = image.Shape;
        if (shape.Length < 2) throw new ArgumentException($"an example image needs at least 2 dimensions, got {shape.Length}", nameof(image));
        int height = (int)shape[^2], width = (int)shape[^1];
        int channels = height * width == 0 ? 0 : image.Clean.Length / (height * width);
        if (channels is not (1 or 3) || channels * height * width != image.Clean.Length || image.Adversarial.Length != image.Clean.Length)
            throw new ArgumentException($"example image of shape [{string.Join(",", shape)}] is neither grayscale nor RGB", nameof(image));
        return (height, width, channels);
    }

    public static byte[] Png(float[] chw, int height, int width, int channels)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        int plane = height * width;
        var pixels = new byte[plane * 4];
        for (int i = 0; i < plane; i++)
        {
            byte r = Byte(chw[i]);
            byte g = channels == 3 ? Byte(chw[plane + i]) : r;
            byte b = channels == 3 ? Byte(chw[2 * plane + i]) : r;
            pixels[4 * i] = r; pixels[4 * i + 1] = g; pixels[4 * i + 2] = b; pixels[4 * i + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>
    /// The perturbation made visible: 0.5 grey is no change, and the largest change in the image maps to black or
    /// white, because eps-sized changes (a few percent of the range) are invisible at their true scale.
    /// </summary>
    public static float[] AmplifiedPerturbation(float[] clean, float[] adversarial)
    {
        double largest = 0;
        for (int i = 0; i < clean.Length; i++) largest = Math.Max(largest, Math.Abs(adversarial[i] - clean[i]));
        double gain = largest > 0 ? 0.5 / largest : 0;
        var result = new float[clean.Length];
        for (int i = 0; i < clean.Length; i++) result[i] = (float)(0.5 + gain * (adversarial[i] - clean[i]));
        return result;
    }

    private static byte Byte(float v) => float.IsFinite(v) ? (byte)Math.Clamp(MathF.Round(v * 255f), 0, 255) : (byte)0;
}
