namespace AdvScan.Checks.Corruptions;

/// <summary>
/// The image operations behind spatter's water drops, in OpenCV's definitions: Canny edges, the Euclidean distance to
/// the nearest edge, histogram equalisation and a saturating 8-bit filter.
/// </summary>
public static class SpatterLayers
{
    /// <summary>
    /// OpenCV's Canny on an 8-bit plane: 3x3 Sobel gradients (BORDER_REPLICATE), L1 magnitude |gx| + |gy|, non-maximum
    /// suppression across the gradient direction (0, 45, 90, 135 degrees), hysteresis with 8-connectivity between the
    /// two thresholds. True where there is an edge.
    /// </summary>
    public static bool[] Canny(byte[] plane, int height, int width, double low, double high)
    {
        int n = height * width;
        var gx = new int[n];
        var gy = new int[n];
        var magnitude = new int[n];
        int At(int y, int x) => plane[Filters.Fold(y, height, Border.Nearest) * width + Filters.Fold(x, width, Border.Nearest)];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                gx[i] = At(y - 1, x + 1) + 2 * At(y, x + 1) + At(y + 1, x + 1) - At(y - 1, x - 1) - 2 * At(y, x - 1) - At(y + 1, x - 1);
                gy[i] = At(y + 1, x - 1) + 2 * At(y + 1, x) + At(y + 1, x + 1) - At(y - 1, x - 1) - 2 * At(y - 1, x) - At(y - 1, x + 1);
                magnitude[i] = Math.Abs(gx[i]) + Math.Abs(gy[i]);
            }
        int M(int y, int x) => (uint)y < (uint)height && (uint)x < (uint)width ? magnitude[y * width + x] : 0;
        var strong = new bool[n];
        var weak = new bool[n];
        const double tan22 = 0.4142135623730951;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x, m = magnitude[i];
                if (m <= low) continue;
                double ax = Math.Abs(gx[i]), ay = Math.Abs(gy[i]);
                bool peak;
                if (ay <= ax * tan22) peak = m > M(y, x - 1) && m >= M(y, x + 1);
                else if (ay >= ax / tan22) peak = m > M(y - 1, x) && m >= M(y + 1, x);
                else
                {
                    int s = (gx[i] < 0) != (gy[i] < 0) ? -1 : 1;
                    peak = m > M(y - 1, x - s) && m > M(y + 1, x + s);
                }
                if (!peak) continue;
                if (m > high) strong[i] = true; else weak[i] = true;
            }
        var edges = new bool[n];
        var stack = new Stack<int>();
        for (int i = 0; i < n; i++) if (strong[i]) { edges[i] = true; stack.Push(i); }
        while (stack.Count > 0)
        {
            int i = stack.Pop(), y = i / width, x = i % width;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                {
                    int yy = y + dy, xx = x + dx;
                    if ((uint)yy >= (uint)height || (uint)xx >= (uint)width) continue;
                    int j = yy * width + xx;
                    if (weak[j] && !edges[j]) { edges[j] = true; stack.Push(j); }
                }
        }
        return edges;
    }

    /// <summary>
    /// Exact Euclidean distance from every pixel to the nearest one marked false in <paramref name="feature"/>
    /// (OpenCV's distanceTransform measures to zero pixels; its DIST_L2 mask 5 approximates what is computed exactly
    /// here with Felzenszwalb and Huttenlocher's lower envelope of parabolas). With no such pixel, every distance is the
    /// largest the picture allows.
    /// </summary>
    public static float[] DistanceToZeros(bool[] feature, int height, int width)
    {
        int n = height * width;
        const double far = 1e10;
        var squared = new double[n];
        for (int i = 0; i < n; i++) squared[i] = feature[i] ? far : 0;
        var line = new double[Math.Max(height, width)];
        var output = new double[line.Length];
        for (int x = 0; x < width; x++)
        {
            for (int y = 0; y < height; y++) line[y] = squared[y * width + x];
            Envelope(line, output, height);
            for (int y = 0; y < height; y++) squared[y * width + x] = output[y];
        }
        for (int y = 0; y < height; y++)
        {
            Array.Copy(squared, y * width, line, 0, width);
            Envelope(line, output, width);
            Array.Copy(output, 0, squared, y * width, width);
        }
        var result = new float[n];
        double cap = Math.Sqrt((double)height * height + (double)width * width);
        for (int i = 0; i < n; i++) result[i] = (float)Math.Min(Math.Sqrt(squared[i]), cap);
        return result;
    }

    private static void Envelope(double[] f, double[] d, int n)
    {
        var v = new int[n];
        var z = new double[n + 1];
        int k = 0;
        z[0] = double.NegativeInfinity;
        z[1] = double.PositiveInfinity;
        for (int q = 1; q < n; q++)
        {
            double s = Intersection(f, q, v[k]);
            while (s <= z[k]) s = Intersection(f, q, v[--k]);
            k++;
            v[k] = q;
            z[k] = s;
            z[k + 1] = double.PositiveInfinity;
        }
        k = 0;
        for (int q = 0; q < n; q++)
        {
            while (z[k + 1] < q) k++;
            double dq = q - v[k];
            d[q] = dq * dq + f[v[k]];
        }
    }

    /// <summary>Where the parabolas rooted at q and p (heights f[q], f[p]) cross.</summary>
    private static double Intersection(double[] f, int q, int p) => (f[q] + (double)q * q - (f[p] + (double)p * p)) / (2.0 * q - 2.0 * p);

    /// <summary>OpenCV's equalizeHist on 8-bit values: the cumulative histogram without its first occupied bin, scaled to 255.</summary>
    public static byte[] EqualizeHistogram(byte[] values)
    {
        var histogram = new int[256];
        foreach (var v in values) histogram[v]++;
        int first = 0;
        while (first < 255 && histogram[first] == 0) first++;
        var lut = new byte[256];
        if (histogram[first] == values.Length) { Array.Fill(lut, (byte)first); }
        else
        {
            double scale = 255.0 / (values.Length - histogram[first]);
            int sum = 0;
            for (int i = first + 1; i < 256; i++)
            {
                sum += histogram[i];
                lut[i] = Saturate(sum * scale);
            }
        }
        var result = new byte[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = lut[values[i]];
        return result;
    }

    /// <summary>A value rounded half to even and clamped to 0-255, as OpenCV's saturate_cast&lt;uchar&gt; does.</summary>
    public static byte Saturate(double value) => (byte)Math.Clamp(Math.Round(value, MidpointRounding.ToEven), 0, 255);
}
