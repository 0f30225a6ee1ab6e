namespace AdvScan.Checks.Corruptions;

/// <summary>
/// skimage's rgb2hsv and hsv2rgb on a picture (hue in [0,1), value = max of R, G, B, saturation = (max - min) / max),
/// for the corruptions the reference defines in HSV (brightness, saturate). A picture without colour is made RGB by
/// repeating its grey plane and returned to grey by BT.601 luminance (<see cref="Picture.Luminance"/>).
/// </summary>
public static class Hsv
{
    /// <summary>Applies <paramref name="change"/> to every pixel's (h, s, v) and writes the result back.</summary>
    public static void Transform(Picture picture, Func<(double H, double S, double V), (double H, double S, double V)> change)
    {
        int n = picture.PlaneSize;
        for (int i = 0; i < n; i++)
        {
            if (picture.IsRgb)
            {
                var (r, g, b) = ToRgb(change(FromRgb(picture.Pixels[i], picture.Pixels[n + i], picture.Pixels[2 * n + i])));
                picture.Pixels[i] = (float)r; picture.Pixels[n + i] = (float)g; picture.Pixels[2 * n + i] = (float)b;
            }
            else
                for (int c = 0; c < picture.Channels; c++)
                {
                    float v = picture.Pixels[c * n + i];
                    var (r, g, b) = ToRgb(change(FromRgb(v, v, v)));
                    picture.Pixels[c * n + i] = Picture.Luminance((float)r, (float)g, (float)b);
                }
        }
    }

    public static (double H, double S, double V) FromRgb(double r, double g, double b)
    {
        double max = Math.Max(r, Math.Max(g, b)), min = Math.Min(r, Math.Min(g, b)), delta = max - min;
        double s = max == 0 ? 0 : delta / max;
        double h = 0;
        if (delta > 0)
        {
            if (r == max) h = (g - b) / delta;
            else if (g == max) h = 2 + (b - r) / delta;
            else h = 4 + (r - g) / delta;
            h /= 6;
            if (h < 0) h += 1;
        }
        return (h, s, max);
    }

    public static (double R, double G, double B) ToRgb((double H, double S, double V) hsv)
    {
        var (h, s, v) = hsv;
        double sector = h * 6;
        int i = (int)Math.Floor(sector) % 6;
        if (i < 0) i += 6;
        double f = sector - Math.Floor(sector);
        double p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
        return i switch
        {
            0 => (v, t, p),
            1 => (q, v, p),
            2 => (p, v, t),
            3 => (p, q, v),
            4 => (t, p, v),
            _ => (v, p, q),
        };
    }
}
