using AdvScan.Scanning;
using Microsoft.ML.Data;

namespace AdvScan.MLNet;

/// <summary>
/// An <see cref="MLImage"/> (LoadImages, ResizeImages) as [0,1] CHW pixels: RGB bytes / 255 for a 3-channel model, as
/// AdvScan's own image reader decodes files; for a 1-channel model the luma of those RGB values with the weights
/// AdvScan's pixel mapping uses for RGB images fed to a grayscale model. Alpha is dropped, as that reader drops it.
/// </summary>
internal static class ImagePixels
{
    private const float LumaR = 0.299f, LumaG = 0.587f, LumaB = 0.114f;

    public static float[] ToPixels(MLImage? image, int channels, int height, int width, string column, long position)
    {
        long row = position + 1;
        if (image is null) throw new InvalidInputException($"column '{column}'", "row has no image", checked((int)row));
        if (image.Height != height || image.Width != width)
            throw new InvalidInputException($"column '{column}'", $"image is {image.Width}x{image.Height}, the model takes {width}x{height} (resize with ResizeImages)", checked((int)row));
        if (image.BitsPerPixel != 32)
            throw new InvalidInputException($"column '{column}'", $"image has {image.BitsPerPixel} bits per pixel; expected 32 (BGRA or RGBA)", checked((int)row));
        var bytes = image.Pixels;
        bool bgra = image.PixelFormat == MLPixelFormat.Bgra32;
        int plane = height * width;
        var pixels = new float[channels * plane];
        for (int p = 0; p < plane; p++)
        {
            float r = bytes[p * 4 + (bgra ? 2 : 0)] / 255f, g = bytes[p * 4 + 1] / 255f, b = bytes[p * 4 + (bgra ? 0 : 2)] / 255f;
            if (channels == 1) pixels[p] = LumaR * r + LumaG * g + LumaB * b;
            else
            {
                pixels[p] = r;
                pixels[plane + p] = g;
                pixels[2 * plane + p] = b;
            }
        }
        return pixels;
    }
}
