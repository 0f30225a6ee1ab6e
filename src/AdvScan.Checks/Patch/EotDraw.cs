namespace AdvScan.Checks.Patch;

/// <summary>
/// One drawn placement and appearance of the patch on one image. Drawn on the host from a seeded stream, so a draw is
/// the same on CPU and CUDA and, for judging, depends only on the example it belongs to (shards stay exact).
/// </summary>
/// <param name="CenterX">Centre in continuous image pixels (0 is the left edge of the first pixel).</param>
/// <param name="CenterY">Centre in continuous image pixels (0 is the top edge).</param>
/// <param name="HalfSide">Half the placed side (square) or diameter (circle) in pixels, after scaling.</param>
/// <param name="Angle">Rotation in radians.</param>
/// <param name="PerspectiveX">Keystone term along the patch's x axis.</param>
/// <param name="PerspectiveY">Keystone term along the patch's y axis.</param>
/// <param name="Brightness">Added to the patch's pixels.</param>
/// <param name="Contrast">Factor around mid grey on the patch's pixels.</param>
/// <param name="BlurSigma">Gaussian blur of the placed patch, in pixels (0: none).</param>
/// <param name="NoiseSigma">Standard deviation of the sensor noise on the whole image.</param>
/// <param name="NoiseSeed">Seed of that noise.</param>
public readonly record struct EotDraw(
    double CenterX, double CenterY, double HalfSide, double Angle, double PerspectiveX, double PerspectiveY,
    double Brightness, double Contrast, double BlurSigma, double NoiseSigma, long NoiseSeed)
{
    /// <summary>
    /// Draws one transformation: scale, rotation and keystone first, then a centre uniform over the places where the
    /// whole transformed patch, with its resampled and blurred edge, stays inside the region (centred when a large
    /// rotated draw cannot fit). Without geometric draws (<see cref="EotOptions.Rigid"/>) the texture keeps its own
    /// whole-pixel side and a whole-pixel corner, uniform over every place in the region: pasted pixel for pixel.
    /// </summary>
    public static EotDraw Sample(Random random, PatchGeometry geometry, PatchRegion region, EotOptions options)
    {
        double scale = Uniform(random, options.MinScale, options.MaxScale);
        double angle = Uniform(random, -options.MaxRotationDegrees, options.MaxRotationDegrees) * Math.PI / 180;
        double px = Uniform(random, -options.MaxPerspective, options.MaxPerspective);
        double py = Uniform(random, -options.MaxPerspective, options.MaxPerspective);
        double brightness = Uniform(random, -options.MaxBrightness, options.MaxBrightness);
        double contrast = Uniform(random, 1 - options.MaxContrast, 1 + options.MaxContrast);
        double blur = Uniform(random, 0, options.MaxBlurSigma);
        double noise = Uniform(random, 0, options.MaxNoise);
        long noiseSeed = random.NextInt64();
        if (options.Rigid)
        {
            // Whole-pixel corners and the texture's own side: the grid then samples every texel at its centre, a paste.
            int side = geometry.TextureSide, margin = options.MaxBlurSigma > 0 ? 1 : 0;
            double x = Corner(random, region.X0 * geometry.Width, region.X1 * geometry.Width, side, margin);
            double y = Corner(random, region.Y0 * geometry.Height, region.Y1 * geometry.Height, side, margin);
            return new EotDraw(x + side / 2.0, y + side / 2.0, side / 2.0, 0, 0, 0, brightness, contrast, blur, noise, noiseSeed);
        }
        double half = geometry.Side * scale / 2;
        // How far the patch reaches from its centre: a rotated square's bounding box grows by |cos|+|sin|, and the
        // keystone stretches a corner by up to 1/(1-|px|-|py|) (the inverse of the projective divide).
        double reach = half * (geometry.Shape == PatchShape.Square ? Math.Abs(Math.Cos(angle)) + Math.Abs(Math.Sin(angle)) : 1)
            / (1 - Math.Abs(px) - Math.Abs(py))
            // Bilinear resampling reaches half a texel past the edge, the 3x3 blur one more pixel.
            + 1 + (options.MaxBlurSigma > 0 ? 1 : 0);
        double cx = Place(random, region.X0 * geometry.Width, region.X1 * geometry.Width, reach);
        double cy = Place(random, region.Y0 * geometry.Height, region.Y1 * geometry.Height, reach);
        return new EotDraw(cx, cy, half, angle, px, py, brightness, contrast, blur, noise, noiseSeed);
    }

    /// <summary>
    /// A whole-pixel top-left corner, uniform over every position where the <paramref name="side"/>-pixel texture (and
    /// the blur's pixel around it) lies inside [low, high]; the region's middle, floored, when none does.
    /// </summary>
    private static int Corner(Random random, double low, double high, int side, int margin)
    {
        int first = (int)Math.Ceiling(low - 1e-9) + margin, last = (int)Math.Floor(high + 1e-9) - margin - side;
        double u = random.NextDouble();
        return last >= first ? first + Math.Min(last - first, (int)(u * (last - first + 1))) : (int)Math.Floor((low + high - side) / 2);
    }

    private static double Place(Random random, double low, double high, double reach) =>
        high - low > 2 * reach ? Uniform(random, low + reach, high - reach) : (low + high) / 2;

    // Always consumes one number, so a zero-width range leaves the rest of the stream where it was.
    private static double Uniform(Random random, double low, double high) => low + (high - low) * random.NextDouble();
}
