using SkiaSharp;

namespace AdvScan.Data;

/// <summary>
/// Encoded image files (PNG, JPEG, BMP and whatever else Skia decodes) as CHW RGB floats in [0,1]. Only regular files
/// are opened (checked by kind first), and an image's declared size is checked against
/// <see cref="ResourceLimits.MaxImagePixels"/> from its header before a pixel is decoded: a 420 KB PNG can declare
/// 12000x12000 pixels, which would otherwise take gigabytes.
/// </summary>
internal static class ImageFiles
{
    /// <summary>Reads only the header of <paramref name="path"/> (links followed): the size, or why the file is not an image.</summary>
    public static (int Width, int Height)? Probe(string path, out string? problem)
    {
        if (DataFiles.KindProblem(TrustBoundary.RealPath(path)) is { } kind)
        {
            problem = kind;
            return null;
        }
        problem = null;
        try
        {
            using var stream = OpenRegular(path);
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
            problem = $"cannot be read: {UntrustedText.Escape(e.Message)}";
            return null;
        }
    }

    /// <summary>Decodes the whole image; alpha is dropped (pixels are taken as they are stored, not composited).</summary>
    public static (float[] Pixels, int Height, int Width) DecodeRgb(string path)
    {
        if (DataFiles.KindProblem(TrustBoundary.RealPath(path)) is { } kind) throw new InvalidInputException(path, kind);
        try
        {
            using var stream = OpenRegular(path);
            using var codec = SKCodec.Create(stream, out var created)
                ?? throw new InvalidInputException(path, $"is not an image AdvScan can decode ({created})");
            if (DataFiles.PixelProblem(codec.Info.Width, codec.Info.Height) is { } tooLarge)
                throw new InvalidInputException(path, tooLarge + "; refused before decoding");
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
            throw new InvalidInputException(path, $"cannot be read: {UntrustedText.Escape(e.Message)}", inner: e);
        }
    }

    private static FileStream OpenRegular(string path) =>
        new(TrustBoundary.RealPath(path), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
}
