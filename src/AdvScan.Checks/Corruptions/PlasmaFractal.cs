namespace AdvScan.Checks.Corruptions;

/// <summary>
/// The fog layer: a diamond-square height map (the reference's plasma fractal) on a periodic square of side a power of
/// two, normalised to [0,1]. Every new point is the mean of its four neighbours (wrapping around) plus a uniform draw in
/// [-w^2, w^2]; w starts at 100 and is divided by the decay after every level, so a larger decay gives a smoother fog.
/// </summary>
public static class PlasmaFractal
{
    /// <summary>The smallest power of two that holds the picture, as the reference's 256 holds 224 and 32 holds 32.</summary>
    public static int SizeFor(int height, int width)
    {
        int size = 2;
        while (size < Math.Max(height, width)) size *= 2;
        return size;
    }

    public static double[] Generate(int size, double decay, CorruptionRandom random)
    {
        if (size < 2 || (size & (size - 1)) != 0) throw new ArgumentException("the map's side must be a power of two", nameof(size));
        var map = new double[size * size];
        double wibble = 100;
        double At(int y, int x) => map[((y % size + size) % size) * size + (x % size + size) % size];
        for (int step = size; step >= 2; step /= 2)
        {
            int half = step / 2;
            // Squares: the centre of every square of corners a step apart.
            for (int y = 0; y < size; y += step)
                for (int x = 0; x < size; x += step)
                    map[(y + half) * size + x + half] = (At(y, x) + At(y + step, x) + At(y, x + step) + At(y + step, x + step)) / 4 + wibble * random.Uniform(-wibble, wibble);
            // Diamonds: the midpoints of the squares' edges, from the two corners and the two centres beside them.
            for (int y = 0; y < size; y += step)
                for (int x = 0; x < size; x += step)
                {
                    map[y * size + x + half] = (At(y, x) + At(y, x + step) + At(y - half, x + half) + At(y + half, x + half)) / 4 + wibble * random.Uniform(-wibble, wibble);
                    map[(y + half) * size + x] = (At(y, x) + At(y + step, x) + At(y + half, x - half) + At(y + half, x + half)) / 4 + wibble * random.Uniform(-wibble, wibble);
                }
            wibble /= decay;
        }
        double min = map.Min(), max = map.Max();
        double range = max > min ? max - min : 1;
        for (int i = 0; i < map.Length; i++) map[i] = (map[i] - min) / range;
        return map;
    }
}
