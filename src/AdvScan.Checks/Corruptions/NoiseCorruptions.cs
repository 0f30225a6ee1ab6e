namespace AdvScan.Checks.Corruptions;

/// <summary>Gaussian noise: x + N(0, sigma^2) per value. sigma: ImageNet-C .08 .12 .18 .26 .38; CIFAR-10-C .04 .06 .08 .09 .10.</summary>
public sealed class GaussianNoise : Corruption
{
    public static readonly double[] ImageNet = [0.08, 0.12, 0.18, 0.26, 0.38];
    public static readonly double[] Cifar = [0.04, 0.06, 0.08, 0.09, 0.10];

    public override string Name => "gaussian-noise";
    public override CorruptionFamily Family => CorruptionFamily.Noise;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        double sigma = Pick(ImageNet, Cifar, row, table);
        var p = picture.Pixels;
        for (int i = 0; i < p.Length; i++) p[i] = (float)(p[i] + sigma * random.Normal());
        return picture;
    }
}

/// <summary>
/// Shot (Poisson) noise, photon counting at a given light level: Poisson(x c) / c per value. c: ImageNet-C 60 25 12 5 3;
/// CIFAR-10-C 500 250 100 75 50 (fewer photons, more noise; the variance of a value is x / c).
/// </summary>
public sealed class ShotNoise : Corruption
{
    public static readonly double[] ImageNet = [60, 25, 12, 5, 3];
    public static readonly double[] Cifar = [500, 250, 100, 75, 50];

    public override string Name => "shot-noise";
    public override CorruptionFamily Family => CorruptionFamily.Noise;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        double photons = Pick(ImageNet, Cifar, row, table);
        var p = picture.Pixels;
        for (int i = 0; i < p.Length; i++) p[i] = (float)(random.Poisson(Math.Max(0, p[i]) * photons) / photons);
        return picture;
    }
}

/// <summary>
/// Impulse (salt-and-pepper) noise, skimage's random_noise mode 's&amp;p': each value is replaced with probability
/// <c>amount</c>, by 1 or 0 with equal odds. amount: ImageNet-C .03 .06 .09 .17 .27; CIFAR-10-C .01 .02 .03 .05 .07.
/// </summary>
public sealed class ImpulseNoise : Corruption
{
    public static readonly double[] ImageNet = [0.03, 0.06, 0.09, 0.17, 0.27];
    public static readonly double[] Cifar = [0.01, 0.02, 0.03, 0.05, 0.07];

    public override string Name => "impulse-noise";
    public override CorruptionFamily Family => CorruptionFamily.Noise;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        double amount = Pick(ImageNet, Cifar, row, table);
        var p = picture.Pixels;
        for (int i = 0; i < p.Length; i++)
        {
            bool flipped = random.NextDouble() < amount;
            bool salt = random.NextDouble() < 0.5;
            if (flipped) p[i] = salt ? 1 : 0;
        }
        return picture;
    }
}

/// <summary>
/// Speckle (multiplicative) noise, held out: x + x N(0, sigma^2) per value. sigma: ImageNet-C .15 .2 .35 .45 .6;
/// CIFAR-10-C .06 .1 .12 .16 .2.
/// </summary>
public sealed class SpeckleNoise : Corruption
{
    public static readonly double[] ImageNet = [0.15, 0.2, 0.35, 0.45, 0.6];
    public static readonly double[] Cifar = [0.06, 0.1, 0.12, 0.16, 0.2];

    public override string Name => "speckle-noise";
    public override CorruptionFamily Family => CorruptionFamily.Noise;
    public override bool Extra => true;

    protected override Picture Apply(Picture picture, int row, ParameterTable table, CorruptionRandom random)
    {
        double sigma = Pick(ImageNet, Cifar, row, table);
        var p = picture.Pixels;
        for (int i = 0; i < p.Length; i++) p[i] = (float)(p[i] + p[i] * sigma * random.Normal());
        return picture;
    }
}
