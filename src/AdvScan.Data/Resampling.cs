namespace AdvScan.Data;

/// <summary>Bilinear resampling of CHW float images, with half-pixel centres (as PyTorch's align_corners=false).</summary>
internal static class Resampling
{
    public static void Bilinear(ReadOnlySpan<float> source, int channels, int height, int width, Span<float> target, int targetHeight, int targetWidth)
    {
        if (height == targetHeight && width == targetWidth)
        {
            source[..(channels * height * width)].CopyTo(target);
            return;
        }
        double sy = (double)height / targetHeight, sx = (double)width / targetWidth;
        for (int y = 0; y < targetHeight; y++)
        {
            double fy = Math.Clamp((y + 0.5) * sy - 0.5, 0, height - 1);
            int y0 = (int)fy, y1 = Math.Min(y0 + 1, height - 1);
            float wy = (float)(fy - y0);
            for (int x = 0; x < targetWidth; x++)
            {
                double fx = Math.Clamp((x + 0.5) * sx - 0.5, 0, width - 1);
                int x0 = (int)fx, x1 = Math.Min(x0 + 1, width - 1);
                float wx = (float)(fx - x0);
                for (int c = 0; c < channels; c++)
                {
                    int plane = c * height * width;
                    float top = source[plane + y0 * width + x0] * (1 - wx) + source[plane + y0 * width + x1] * wx;
                    float bottom = source[plane + y1 * width + x0] * (1 - wx) + source[plane + y1 * width + x1] * wx;
                    target[c * targetHeight * targetWidth + y * targetWidth + x] = top * (1 - wy) + bottom * wy;
                }
            }
        }
    }
}
