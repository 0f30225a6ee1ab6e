namespace AdvScan.Data;

/// <summary>
/// Bilinear resampling of CHW float images, with half-pixel centres and no antialiasing filter (as PyTorch's
/// <c>interpolate(mode="bilinear", align_corners=False, antialias=False)</c>), and the resize policies built on it.
/// </summary>
public static class Resampling
{
    /// <summary>
    /// The share of the resized shorter side that <see cref="ResizePolicy.CenterCrop"/> keeps: 224/256, the ImageNet
    /// evaluation convention (torchvision's reference scripts, timm's default crop_pct).
    /// </summary>
    public const double CropFraction = 0.875;

    /// <summary>
    /// Brings one CHW image of <paramref name="height"/> x <paramref name="width"/> to <paramref name="targetHeight"/> x
    /// <paramref name="targetWidth"/> with <paramref name="policy"/> (None and Stretch both resample straight to the
    /// target; None is refused before this when the sizes differ).
    /// </summary>
    public static void Apply(ResizePolicy policy, ReadOnlySpan<float> source, int channels, int height, int width, Span<float> target, int targetHeight, int targetWidth)
    {
        if (policy != ResizePolicy.CenterCrop)
        {
            Bilinear(source, channels, height, width, target, targetHeight, targetWidth);
            return;
        }
        var (resizedHeight, resizedWidth, top, left) = CenterCropGeometry(height, width, targetHeight, targetWidth);
        Bilinear(source, channels, height, width, target, targetHeight, targetWidth, resizedHeight, resizedWidth, top, left);
    }

    /// <summary>
    /// The size an image is resized to before the centre crop, and the crop's corner in it: the shorter side becomes
    /// round(crop's shorter side / <see cref="CropFraction"/>), the longer one keeps the aspect ratio (truncated, as
    /// torchvision does), both grown if needed to cover a non-square crop; the corner is round((resized - crop) / 2)
    /// with ties to even (Python's round).
    /// </summary>
    public static (int Height, int Width, int Top, int Left) CenterCropGeometry(int height, int width, int targetHeight, int targetWidth)
    {
        if (height < 1 || width < 1 || targetHeight < 1 || targetWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(height), "image and target sizes must be positive");
        long shorter = (long)Math.Round(Math.Min(targetHeight, targetWidth) / CropFraction, MidpointRounding.ToEven);
        long h, w;
        if (height <= width) { h = shorter; w = (long)(shorter * (double)width / height); }
        else { w = shorter; h = (long)(shorter * (double)height / width); }
        // Only the crop is ever computed, so a hostile aspect ratio costs nothing; the size is kept in int range.
        h = Math.Clamp(Math.Max(h, targetHeight), 1, int.MaxValue);
        w = Math.Clamp(Math.Max(w, targetWidth), 1, int.MaxValue);
        int top = (int)Math.Round((h - targetHeight) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((w - targetWidth) / 2.0, MidpointRounding.ToEven);
        return ((int)h, (int)w, top, left);
    }

    /// <summary>
    /// Resamples <paramref name="source"/> as if to <paramref name="resizedHeight"/> x <paramref name="resizedWidth"/>
    /// (the target size when not given) and writes the <paramref name="targetHeight"/> x <paramref name="targetWidth"/>
    /// window at (<paramref name="top"/>, <paramref name="left"/>) of that resized image; only the window is computed.
    /// </summary>
    public static void Bilinear(ReadOnlySpan<float> source, int channels, int height, int width, Span<float> target, int targetHeight, int targetWidth,
        int? resizedHeight = null, int? resizedWidth = null, int top = 0, int left = 0)
    {
        int rh = resizedHeight ?? targetHeight, rw = resizedWidth ?? targetWidth;
        if (height == rh && width == rw && top == 0 && left == 0 && rh == targetHeight && rw == targetWidth)
        {
            source[..(channels * height * width)].CopyTo(target);
            return;
        }
        double sy = (double)height / rh, sx = (double)width / rw;
        for (int y = 0; y < targetHeight; y++)
        {
            double fy = Math.Clamp((y + top + 0.5) * sy - 0.5, 0, height - 1);
            int y0 = (int)fy, y1 = Math.Min(y0 + 1, height - 1);
            float wy = (float)(fy - y0);
            for (int x = 0; x < targetWidth; x++)
            {
                double fx = Math.Clamp((x + left + 0.5) * sx - 0.5, 0, width - 1);
                int x0 = (int)fx, x1 = Math.Min(x0 + 1, width - 1);
                float wx = (float)(fx - x0);
                for (int c = 0; c < channels; c++)
                {
                    int plane = c * height * width;
                    float upper = source[plane + y0 * width + x0] * (1 - wx) + source[plane + y0 * width + x1] * wx;
                    float bottom = source[plane + y1 * width + x0] * (1 - wx) + source[plane + y1 * width + x1] * wx;
                    target[c * targetHeight * targetWidth + y * targetWidth + x] = upper * (1 - wy) + bottom * wy;
                }
            }
        }
    }
}
