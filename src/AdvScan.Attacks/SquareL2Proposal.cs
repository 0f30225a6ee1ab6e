namespace AdvScan.Attacks;

/// <summary>
/// The L2 half of the Square attack (Andriushchenko et al. 2020): where the L-inf version sets whole windows to +-eps,
/// L2 has a total energy eps^2 to place, so it starts from a grid of centred-square tiles scaled to norm eps and each
/// proposal moves the energy of two windows of side h into the first, reshaped by a fresh centred-square pattern. The
/// total norm stays eps (plus whatever clipping to [0,1] freed, which flows back in), so every candidate is in the ball.
/// </summary>
internal static class SquareL2Proposal
{
    /// <summary>The paper's smallest L2 window: a 1- or 2-pixel window cannot hold the two-lobed pattern.</summary>
    public const int MinimumSide = 3;

    /// <summary>Window side for area fraction <paramref name="p"/>, at least <see cref="MinimumSide"/> and smaller than the image.</summary>
    public static int Side(double p, int size, int channels, int height, int width) =>
        Math.Max(1, Math.Min(Math.Max((int)Math.Round(Math.Sqrt(p * size / channels)), MinimumSide), Math.Min(height, width) - 1));

    /// <summary>Tiles of side ~min(h,w)/5 covering the centre of the image, each a centred-square pattern with a random sign per channel, scaled to L2 norm eps.</summary>
    public static void Initialise(ReadOnlySpan<float> x, Span<float> adversarial, int channels, int height, int width, double eps, Random random)
    {
        int tile = Math.Max(1, Math.Min(height, width) / 5);
        int rowsOfTiles = height / tile, colsOfTiles = width / tile;
        int top0 = (height - rowsOfTiles * tile) / 2, left0 = (width - colsOfTiles * tile) / 2;
        var delta = new double[x.Length];
        for (int tr = 0; tr < rowsOfTiles; tr++)
            for (int tc = 0; tc < colsOfTiles; tc++)
            {
                var pattern = Pattern(tile, random);
                for (int c = 0; c < channels; c++)
                {
                    double sign = random.Next(2) == 0 ? -1 : 1;
                    for (int r = 0; r < tile; r++)
                        for (int k = 0; k < tile; k++)
                            delta[(c * height + top0 + tr * tile + r) * width + left0 + tc * tile + k] = sign * pattern[r * tile + k];
                }
            }
        Apply(x, delta, eps, adversarial);
    }

    /// <summary>
    /// One candidate from the current point: per channel, window 2's energy and window 1's move into window 1 (plus an
    /// equal share of any energy clipping freed), shaped as a new centred-square pattern added to window 1's old content.
    /// </summary>
    public static void Propose(ReadOnlySpan<float> x, ReadOnlySpan<float> current, Span<float> candidate, int channels, int height, int width, int side, double eps, Random random)
    {
        var delta = new double[x.Length];
        double total = 0;
        for (int j = 0; j < x.Length; j++) { delta[j] = current[j] - (double)x[j]; total += delta[j] * delta[j]; }
        int top1 = random.Next(height - side + 1), left1 = random.Next(width - side + 1);
        int top2 = random.Next(height - side + 1), left2 = random.Next(width - side + 1);
        bool In(int r, int k, int top, int left) => r >= top && r < top + side && k >= left && k < left + side;
        double freed = Math.Max(eps * eps - total, 0) / channels;
        var pattern = Pattern(side, random);
        var window = new double[side * side];
        for (int c = 0; c < channels; c++)
        {
            double old = 0, union = 0;
            for (int r = 0; r < height; r++)
                for (int k = 0; k < width; k++)
                {
                    bool in1 = In(r, k, top1, left1);
                    if (!in1 && !In(r, k, top2, left2)) continue;
                    double v = delta[(c * height + r) * width + k];
                    union += v * v;
                    if (in1) old += v * v;
                }
            double oldNorm = Math.Sqrt(old) + 1e-10, sign = random.Next(2) == 0 ? -1 : 1, norm = 0;
            for (int r = 0; r < side; r++)
                for (int k = 0; k < side; k++)
                {
                    double v = sign * pattern[r * side + k] + delta[(c * height + top1 + r) * width + left1 + k] / oldNorm;
                    window[r * side + k] = v;
                    norm += v * v;
                }
            // The new sign exactly cancelling the old content (possible for tiny windows): keep the bare pattern instead.
            if (norm < 1e-20) { for (int j = 0; j < window.Length; j++) window[j] = sign * pattern[j]; norm = 1; }
            double scale = Math.Sqrt(union + freed) / Math.Sqrt(norm);
            for (int r = 0; r < side; r++)
                for (int k = 0; k < side; k++)
                    delta[(c * height + top2 + r) * width + left2 + k] = 0;
            for (int r = 0; r < side; r++)
                for (int k = 0; k < side; k++)
                    delta[(c * height + top1 + r) * width + left1 + k] = scale * window[r * side + k];
        }
        Apply(x, delta, eps, candidate);
    }

    /// <summary>x + delta rescaled to norm eps, clipped to [0,1]: clipping only moves pixels back towards x, so the norm stays at most eps.</summary>
    private static void Apply(ReadOnlySpan<float> x, double[] delta, double eps, Span<float> result)
    {
        double norm = Math.Sqrt(delta.Sum(v => v * v));
        double scale = norm > 0 ? eps / norm : 0;
        for (int j = 0; j < x.Length; j++) result[j] = (float)Math.Clamp(x[j] + scale * delta[j], 0, 1);
    }

    /// <summary>
    /// A side x side pattern of unit norm: one half a centred-square bump (concentric rings whose weights 1/(m+1)^2
    /// accumulate towards the centre), the other half its negative, split across rows or (at random) columns.
    /// </summary>
    public static double[] Pattern(int side, Random random)
    {
        int half = side / 2;
        var pattern = new double[side * side];
        var upper = Bump(half, side);
        var lower = Bump(side - half, side);
        for (int r = 0; r < side; r++)
            for (int k = 0; k < side; k++)
                pattern[r * side + k] = r < half ? upper[r * side + k] : -lower[(r - half) * side + k];
        if (random.Next(2) == 0)
        {
            var transposed = new double[pattern.Length];
            for (int r = 0; r < side; r++)
                for (int k = 0; k < side; k++)
                    transposed[k * side + r] = pattern[r * side + k];
            pattern = transposed;
        }
        double norm = Math.Sqrt(pattern.Sum(v => v * v));
        for (int j = 0; j < pattern.Length; j++) pattern[j] /= norm;
        return pattern;
    }

    /// <summary>A rows x cols bump: the cell at ring m (Chebyshev distance from the centre) holds sum over rings n >= m of 1/(n+1)^2.</summary>
    private static double[] Bump(int rows, int cols)
    {
        var bump = new double[rows * cols];
        double centreRow = (rows - 1) / 2.0, centreCol = (cols - 1) / 2.0;
        int outer = (int)Math.Floor(Math.Max(centreRow, centreCol));
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < cols; k++)
            {
                int ring = (int)Math.Floor(Math.Max(Math.Abs(r - centreRow), Math.Abs(k - centreCol)));
                for (int n = ring; n <= outer; n++) bump[r * cols + k] += 1.0 / ((n + 1) * (n + 1));
            }
        return bump;
    }
}
