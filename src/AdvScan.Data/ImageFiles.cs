using SkiaSharp;

namespace AdvScan.Data;

/// <summary>Encoded image files (PNG, JPEG, BMP and whatever else Skia decodes) as CHW RGB floats in [0,1].</summary>
internal static class ImageFiles
{
    /// <summary>Reads only the header: the size, or why the file is not an image.</summary>
    public static (int Width, int Height)? Probe(string path, out string? problem)
    {
        problem = null;
        if (!File.Exists(path))
        {
            problem = "does not exist";
            return null;
        }
        try
        {
            using var stream = File.OpenRead(path);
            using var codec = SKCodec.Create(stream, out var result);
            if (codec is null)
            {
                problem = result == SKCodecResult.Unimplemented || result == SKCodecResult.InvalidInput || result == SKCodecResult.Success
                    ? "is not an image AdvScan can decode (PNG, JPEG, BMP, ...)"
                    : $"is not a readable image ({result})";
                return null;
            }
            return (codec.Info.Width, codec.Info.Height);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot be read: {e.Message}";
            return null;
        }
    }

    /// <summary>Decodes the whole image; alpha is dropped (pixels are taken as they are stored, not composited).</summary>
    public static (float[] Pixels, int Height, int Width) DecodeRgb(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var codec = SKCodec.Create(stream, out var created)
                ?? throw new InvalidInputException(path, $"is not an image AdvScan can decode ({created})");
            var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            using var bitmap = new SKBitmap(info);
            var result = codec.GetPixels(info, bitmap.GetPixels());
            if (result != SKCodecResult.Success)
                throw new InvalidInputException(path, $"cannot be decoded ({result}; truncated or corrupt image)");
            var bytes = bitmap.GetPixelSpan();
            int h = info.Height, w = info.Width, plane = h * w;
            var pixels = new float[3 * plane];
            for (int p = 0; p < plane; p++)
            {
                pixels[p] = bytes[4 * p] / 255f;
                pixels[plane + p] = bytes[4 * p + 1] / 255f;
                pixels[2 * plane + p] = bytes[4 * p + 2] / 255f;
            }
            return (pixels, h, w);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"cannot be read: {e.Message}", inner: e);
        }
    }
}
