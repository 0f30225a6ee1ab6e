using SkiaSharp;

namespace AdvScan.Training;

/// <summary>
/// Writes an image set as a class-per-folder PNG data set: <c>root/&lt;class name&gt;/&lt;index&gt;.png</c>, the layout
/// image-folder readers take. Pixels are stored at 8 bits, so data written from a quantized set reads back exactly.
/// </summary>
public static class PngFolderWriter
{
    /// <summary>
    /// Writes <paramref name="set"/> under <paramref name="root"/>; <paramref name="jpegQuality"/> writes JPEG files of that
    /// quality instead of PNG (lossy: what photo data sets hold, and a tenth of the bytes for noisy pictures).
    /// </summary>
    public static void Write(ImageSet set, string root, int? jpegQuality = null)
    {
        if (set.Channels is not (1 or 3)) throw new ArgumentException($"PNG export takes 1- or 3-channel images, not {set.Channels}");
        foreach (var name in set.ClassNames) Directory.CreateDirectory(Path.Combine(root, name));
        int plane = set.Height * set.Width;
        var info = new SKImageInfo(set.Width, set.Height, set.Channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var bytes = new byte[info.BytesSize];
        for (int i = 0; i < set.Count; i++)
        {
            var image = set.Image(i);
            for (int p = 0; p < plane; p++)
            {
                if (set.Channels == 1) { bytes[p] = ImageSet.ToByte(image[p]); continue; }
                for (int c = 0; c < 3; c++) bytes[p * 4 + c] = ImageSet.ToByte(image[c * plane + p]);
                bytes[p * 4 + 3] = 255;
            }
            System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
            using var data = jpegQuality is { } quality ? bitmap.Encode(SKEncodedImageFormat.Jpeg, quality) : bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(root, set.ClassNames[set.Labels[i]], $"{i:D5}.{(jpegQuality is null ? "png" : "jpg")}"), data.ToArray());
        }
    }
}
