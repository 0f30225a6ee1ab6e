using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Checks.Patch;

/// <summary>
/// Puts a patch onto a batch of images under one <see cref="EotDraw"/> per image, differentiably in the patch's pixels:
/// lighting on the patch, a projective warp (location, scale, rotation, keystone) by <c>grid_sample</c>, blur of the
/// placed sticker, alpha compositing, sensor noise. Optimisation, judging and the random control all go through
/// <see cref="Apply"/>, so the control differs from the attack in the patch's content only.
/// </summary>
public static class PatchApplier
{
    // Below this projective denominator a pixel lies on the far side of the keystone's horizon: sampling it would
    // mirror the patch somewhere it is not. Inside the patch the denominator is at least 1/(1+|px|+|py|) >= 0.5.
    private const double Horizon = 0.25;

    /// <param name="patch">[C,S,S] in [0,1]; may require gradients.</param>
    /// <param name="mask">[1,S,S] opacity of the texture.</param>
    /// <param name="images">[B,C,H,W] in [0,1].</param>
    /// <returns>[B,C,H,W] in [0,1].</returns>
    /// <param name="noisePerDraw">
    /// Each draw's noise from its own seed (judging: an example's noise must not depend on its batch or shard), or the
    /// whole batch's noise from the first draw's seed in one call (optimisation: the same distribution, a fraction of
    /// the cost of a generator per row).
    /// </param>
    public static Tensor Apply(Tensor patch, Tensor mask, Tensor images, IReadOnlyList<EotDraw> draws, bool noisePerDraw = true)
    {
        long b = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        if (draws.Count != b) throw new ArgumentException($"{draws.Count} draws for {b} images", nameof(draws));
        var device = images.device;
        var contrast = Column(draws, d => d.Contrast, device);
        var brightness = Column(draws, d => d.Brightness, device);
        // Every scalar explicit and kept alive to the end (TorchSharp's implicit Scalar temporaries, its default alpha
        // included, were freed by the finalizer during native calls in long Release runs: "Unknown scalar type").
        var zero = 0.0.ToScalar();
        var half = 0.5.ToScalar();
        var one = 1.0.ToScalar();
        var minusHalf = (-0.5).ToScalar();
        var lit = patch.unsqueeze(0).add(minusHalf, one).mul(contrast).add(half, one).add(brightness, one).clamp(zero, one);
        var opacity = mask.unsqueeze(0).expand(b, -1, -1, -1);
        // Premultiplied colour and opacity are resampled together, so blur and bilinear edges composite correctly.
        var layer = torch.cat([lit.mul(opacity), opacity], 1);
        var placed = F.grid_sample(layer, Grid(draws, h, w, device), GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
        placed = Blur(placed, draws);
        var color = placed.narrow(1, 0, c);
        var alpha = placed.narrow(1, c, 1);
        var composite = images.mul(alpha.neg().add(one, one)).add(color, one);
        var result = composite.add(Noise(draws, c, h, w, device, noisePerDraw), one).clamp(zero, one);
        GC.KeepAlive(zero);
        GC.KeepAlive(half);
        GC.KeepAlive(one);
        GC.KeepAlive(minusHalf);
        return result;
    }

    /// <summary>
    /// The sampling grid: for every output pixel (normalised coordinates, pixel centres, align_corners false) the
    /// patch coordinate it shows, through the inverse of rotate-scale-translate followed by the keystone homography.
    /// Computed on the host (it needs no gradient, and a few hundred thousand multiply-adds are cheaper there than as
    /// a chain of small tensor ops).
    /// </summary>
    public static Tensor Grid(IReadOnlyList<EotDraw> draws, long h, long w, Device device)
    {
        // One buffer per thread and size, reused: a fresh 1 MB array per step kept the large-object heap churning, and
        // the finalizer activity of those collections raced TorchSharp's implicit Scalar temporaries in Release runs.
        long length = draws.Count * h * w * 2;
        var grid = gridBuffer is { } cached && cached.LongLength == length ? cached : gridBuffer = new float[length];
        long at = 0;
        for (int i = 0; i < draws.Count; i++)
        {
            var d = draws[i];
            double cos = Math.Cos(d.Angle), sin = Math.Sin(d.Angle), k = 1 / d.HalfSide;
            for (long row = 0; row < h; row++)
            {
                // Offset of the pixel centre from the patch centre, in image pixels.
                double dy = row + 0.5 - d.CenterY;
                for (long col = 0; col < w; col++, at += 2)
                {
                    double dx = col + 0.5 - d.CenterX;
                    // Rotate by -angle and divide by the half-size: patch coordinates in [-1, 1] before the keystone.
                    double u = (cos * dx + sin * dy) * k, v = (-sin * dx + cos * dy) * k;
                    double z = d.PerspectiveX * u + d.PerspectiveY * v + 1;
                    bool visible = z >= Horizon;
                    grid[at] = visible ? (float)(u / z) : 3f;
                    grid[at + 1] = visible ? (float)(v / z) : 3f;
                }
            }
        }
        return torch.tensor(grid, [draws.Count, h, w, 2]).to(device);
    }

    /// <summary>A 3x3 Gaussian per draw over the placed layer (a depthwise convolution, one kernel per image).</summary>
    private static Tensor Blur(Tensor placed, IReadOnlyList<EotDraw> draws)
    {
        if (draws.All(d => d.BlurSigma <= 0)) return placed;
        long b = placed.shape[0], channels = placed.shape[1], h = placed.shape[2], w = placed.shape[3];
        var kernels = new float[b * 9];
        for (int i = 0; i < b; i++)
        {
            double sigma = draws[i].BlurSigma, total = 0;
            for (int j = 0; j < 9; j++)
            {
                int dy = j / 3 - 1, dx = j % 3 - 1;
                double v = sigma <= 1e-3 ? (dx == 0 && dy == 0 ? 1 : 0) : Math.Exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
                kernels[i * 9 + j] = (float)v;
                total += v;
            }
            for (int j = 0; j < 9; j++) kernels[i * 9 + j] = (float)(kernels[i * 9 + j] / total);
        }
        var weight = torch.tensor(kernels, [b, 1, 1, 3, 3]).to(placed.device).expand(b, channels, 1, 3, 3).reshape(b * channels, 1, 3, 3);
        var blurred = F.conv2d(placed.reshape(1, b * channels, h, w), weight, padding: [1, 1], groups: b * channels);
        return blurred.reshape(b, channels, h, w);
    }

    /// <summary>Sensor noise: unit Gaussians (per draw from its own seed, or for the batch at once) times each draw's sigma.</summary>
    private static Tensor Noise(IReadOnlyList<EotDraw> draws, long c, long h, long w, Device device, bool perDraw)
    {
        if (draws.All(d => d.NoiseSigma <= 0)) return torch.zeros([1, 1, 1, 1], device: device);
        Tensor unit;
        if (perDraw)
        {
            var rows = new Tensor[draws.Count];
            for (int i = 0; i < draws.Count; i++)
            {
                using var generator = new Generator(unchecked((ulong)draws[i].NoiseSeed));
                rows[i] = torch.randn([c, h, w], ScalarType.Float32, generator: generator);
            }
            unit = torch.stack(rows);
        }
        else
        {
            using var generator = new Generator(unchecked((ulong)draws[0].NoiseSeed));
            unit = torch.randn([draws.Count, c, h, w], ScalarType.Float32, generator: generator);
        }
        return unit.to(device).mul(Column(draws, d => d.NoiseSigma, device));
    }

    [ThreadStatic] private static float[]? gridBuffer;

    private static Tensor Column(IReadOnlyList<EotDraw> draws, Func<EotDraw, double> value, Device device) =>
        torch.tensor(draws.Select(d => (float)value(d)).ToArray(), [draws.Count, 1, 1, 1]).to(device);
}
