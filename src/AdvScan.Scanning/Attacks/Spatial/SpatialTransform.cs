namespace AdvScan.Scanning.Attacks.Spatial;

/// <summary>
/// A rotation about the picture's centre followed by a translation (Engstrom et al. 2019's threat model), applied to
/// [C,H,W] pixels: each output pixel reads the input at the inverse map, bilinearly, with zeros outside the picture
/// (their default padding). Positive angles turn the picture counter-clockwise as displayed; positive shifts move it
/// right and down. A whole-pixel shift without rotation moves pixels exactly.
/// </summary>
public readonly record struct SpatialTransform(double Degrees, double Dx, double Dy)
{
    /// <summary>The share of a range (degrees and pixels either way) this transform needs: the largest of its three parts.</summary>
    public double Size(double maxDegrees, double maxShift)
    {
        double Part(double value, double max) => value == 0 ? 0 : max > 0 ? Math.Abs(value) / max : double.PositiveInfinity;
        return Math.Max(Part(Degrees, maxDegrees), Math.Max(Part(Dx, maxShift), Part(Dy, maxShift)));
    }

    public bool IsIdentity => Degrees == 0 && Dx == 0 && Dy == 0;

    public void Apply(ReadOnlySpan<float> image, Span<float> into, int channels, int height, int width)
    {
        double radians = Degrees * Math.PI / 180, cos = Math.Cos(radians), sin = Math.Sin(radians);
        double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
        int plane = height * width;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                // Undo the shift, then turn back by the angle (y grows downwards, so counter-clockwise on screen is -angle here).
                double u = x - Dx - cx, v = y - Dy - cy;
                double sx = cos * u - sin * v + cx, sy = sin * u + cos * v + cy;
                int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
                double fx = sx - x0, fy = sy - y0;
                for (int c = 0; c < channels; c++)
                {
                    var source = image.Slice(c * plane, plane);
                    double top = Read(source, height, width, y0, x0) * (1 - fx) + Read(source, height, width, y0, x0 + 1) * fx;
                    double bottom = Read(source, height, width, y0 + 1, x0) * (1 - fx) + Read(source, height, width, y0 + 1, x0 + 1) * fx;
                    into[c * plane + y * width + x] = (float)(top * (1 - fy) + bottom * fy);
                }
            }
    }

    private static double Read(ReadOnlySpan<float> plane, int height, int width, int y, int x) =>
        (uint)y < (uint)height && (uint)x < (uint)width ? plane[y * width + x] : 0;
}
