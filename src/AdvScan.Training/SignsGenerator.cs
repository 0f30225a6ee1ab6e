using SkiaSharp;

namespace AdvScan.Training;

/// <summary>How the procedural traffic-sign-like images are drawn.</summary>
/// <param name="Size">Square image side in pixels.</param>
/// <param name="MaxRotationDegrees">Kept small so that direction-bearing symbols (arrow up vs right) stay distinct.</param>
/// <param name="MaxPerspective">Projective term of the sign's transform, in sign-radius units.</param>
public sealed record SignsOptions(int Size = 32, double MaxRotationDegrees = 15, double MaxPerspective = 0.15, double MaxNoise = 0.05, double MaxBlur = 0.6);

/// <summary>
/// A seeded generator of 32x32 RGB images of traffic-sign-like objects: ten classes that differ in shape, colour and
/// symbol, drawn over gradient and cluttered backgrounds with jittered position, scale, rotation, perspective,
/// lighting, blur and noise. It stands in for an RGB data set, which the registry here does not serve.
/// </summary>
public static class SignsGenerator
{
    private enum Shape { Circle, Octagon, TriangleUp, TriangleDown, Diamond, Square }
    private enum Symbol { None, Bar, ExclamationMark, Cross, ArrowUp, ArrowRight, Dot, DiagonalCross, InnerDiamond }

    private sealed record SignClass(string Name, Shape Shape, SKColor Fill, SKColor? Border, Symbol Symbol, SKColor SymbolColor);

    private static readonly SKColor Red = new(200, 30, 35), Blue = new(25, 70, 170), Yellow = new(240, 195, 30),
        White = new(245, 245, 245), Black = new(20, 20, 20);

    private static readonly SignClass[] Classes =
    [
        new("stop", Shape.Octagon, Red, White, Symbol.Bar, White),
        new("no-entry", Shape.Circle, Red, null, Symbol.Bar, White),
        new("yield", Shape.TriangleDown, White, Red, Symbol.None, White),
        new("warning", Shape.TriangleUp, White, Red, Symbol.ExclamationMark, Black),
        new("crossroads", Shape.TriangleUp, White, Red, Symbol.Cross, Black),
        new("ahead-only", Shape.Circle, Blue, null, Symbol.ArrowUp, White),
        new("turn-right", Shape.Circle, Blue, null, Symbol.ArrowRight, White),
        new("priority-road", Shape.Diamond, White, null, Symbol.InnerDiamond, Yellow),
        new("parking", Shape.Square, Blue, White, Symbol.Dot, White),
        new("no-parking", Shape.Circle, Blue, Red, Symbol.DiagonalCross, Red),
    ];

    public static IReadOnlyList<string> ClassNames { get; } = Classes.Select(c => c.Name).ToArray();

    /// <summary>
    /// <paramref name="count"/> images, classes in rotation (balanced), all drawn from <paramref name="seed"/>: the same
    /// seed gives the same pixels, and different seeds give independent draws (how the zoo keeps its splits apart).
    /// </summary>
    public static ImageSet Generate(int count, int seed, SignsOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SignsOptions();
        int size = options.Size, plane = size * size;
        var random = new Random(seed);
        var pixels = new float[(long)count * 3 * plane];
        var labels = new int[count];
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        var work = new float[3 * plane];
        for (int i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            labels[i] = i % Classes.Length;
            canvas.ResetMatrix();
            DrawBackground(canvas, random, size);
            DrawSign(canvas, random, size, Classes[labels[i]], options);
            canvas.Flush();
            ReadPixels(bitmap, work, plane);
            Degrade(work, random, size, options);
            for (int k = 0; k < work.Length; k++) pixels[(long)i * work.Length + k] = ImageSet.Quantize(work[k]);
        }
        return new ImageSet(3, size, size, pixels, labels, ClassNames);
    }

    private static void DrawBackground(SKCanvas canvas, Random random, int size)
    {
        using var paint = new SKPaint { IsAntialias = true };
        var from = new SKPoint(Uniform(random, 0, size), Uniform(random, 0, size));
        var to = new SKPoint(Uniform(random, 0, size), Uniform(random, 0, size));
        paint.Shader = SKShader.CreateLinearGradient(from, to, [RandomColor(random), RandomColor(random)], SKShaderTileMode.Clamp);
        canvas.DrawRect(0, 0, size, size, paint);
        paint.Shader = null;

        // Clutter: foliage, buildings, wires; sometimes none, so plain backgrounds are seen too.
        int clutter = random.Next(0, 9);
        for (int k = 0; k < clutter; k++)
        {
            paint.Color = RandomColor(random).WithAlpha((byte)random.Next(60, 220));
            paint.Style = random.Next(2) == 0 ? SKPaintStyle.Fill : SKPaintStyle.Stroke;
            paint.StrokeWidth = Uniform(random, 0.5f, 2.5f);
            float x = Uniform(random, -4, size), y = Uniform(random, -4, size), w = Uniform(random, 2, size / 2f), h = Uniform(random, 2, size / 2f);
            switch (random.Next(3))
            {
                case 0: canvas.DrawRect(x, y, w, h, paint); break;
                case 1: canvas.DrawOval(x, y, w / 2, h / 2, paint); break;
                default: canvas.DrawLine(x, y, x + Uniform(random, -size, size), y + Uniform(random, -size, size), paint); break;
            }
        }
    }

    private static void DrawSign(SKCanvas canvas, Random random, int size, SignClass sign, SignsOptions options)
    {
        float radius = Uniform(random, size * 0.28f, size * 0.44f);
        float margin = radius * 0.8f;
        float cx = Uniform(random, margin, size - margin), cy = Uniform(random, margin, size - margin);
        canvas.Save();
        canvas.Translate(cx, cy);
        canvas.RotateDegrees((float)Uniform(random, -options.MaxRotationDegrees, options.MaxRotationDegrees));
        canvas.Scale(radius);
        var perspective = SKMatrix.Identity;
        perspective.Persp0 = (float)Uniform(random, -options.MaxPerspective, options.MaxPerspective);
        perspective.Persp1 = (float)Uniform(random, -options.MaxPerspective, options.MaxPerspective);
        canvas.Concat(ref perspective);

        using var paint = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        using var outline = Outline(sign.Shape, 1f);
        if (sign.Border is { } border)
        {
            paint.Color = border;
            canvas.DrawPath(outline, paint);
            using var inner = Outline(sign.Shape, sign.Shape is Shape.TriangleUp or Shape.TriangleDown ? 0.62f : 0.78f);
            paint.Color = sign.Fill;
            canvas.DrawPath(inner, paint);
        }
        else
        {
            paint.Color = sign.Fill;
            canvas.DrawPath(outline, paint);
        }
        paint.Color = sign.SymbolColor;
        DrawSymbol(canvas, paint, sign.Symbol, sign.Shape);
        canvas.Restore();
    }

    /// <summary>The sign's outline in unit coordinates (radius 1 around the origin), scaled by <paramref name="scale"/>.</summary>
    private static SKPath Outline(Shape shape, float scale)
    {
        var path = new SKPath();
        switch (shape)
        {
            case Shape.Circle: path.AddCircle(0, 0, scale); break;
            case Shape.Square: path.AddRect(new SKRect(-0.85f * scale, -0.85f * scale, 0.85f * scale, 0.85f * scale)); break;
            default:
                var (corners, phase) = shape switch
                {
                    Shape.Octagon => (8, Math.PI / 8),
                    Shape.TriangleUp => (3, -Math.PI / 2),
                    Shape.TriangleDown => (3, Math.PI / 2),
                    _ => (4, -Math.PI / 2), // diamond
                };
                for (int k = 0; k < corners; k++)
                {
                    double angle = phase + 2 * Math.PI * k / corners;
                    var point = new SKPoint((float)(scale * Math.Cos(angle)), (float)(scale * Math.Sin(angle)));
                    if (k == 0) path.MoveTo(point); else path.LineTo(point);
                }
                path.Close();
                break;
        }
        return path;
    }

    private static void DrawSymbol(SKCanvas canvas, SKPaint paint, Symbol symbol, Shape shape)
    {
        // Triangles have their visual centre below the origin.
        float cy = shape == Shape.TriangleUp ? 0.15f : 0f;
        switch (symbol)
        {
            case Symbol.Bar:
                canvas.DrawRect(-0.6f, -0.16f, 1.2f, 0.32f, paint);
                break;
            case Symbol.ExclamationMark:
                canvas.DrawRect(-0.08f, cy - 0.35f, 0.16f, 0.38f, paint);
                canvas.DrawCircle(0, cy + 0.22f, 0.09f, paint);
                break;
            case Symbol.Cross:
                canvas.DrawRect(-0.07f, cy - 0.35f, 0.14f, 0.6f, paint);
                canvas.DrawRect(-0.3f, cy - 0.12f, 0.6f, 0.14f, paint);
                break;
            case Symbol.ArrowUp:
            case Symbol.ArrowRight:
                canvas.Save();
                if (symbol == Symbol.ArrowRight) canvas.RotateDegrees(90);
                canvas.DrawRect(-0.12f, -0.1f, 0.24f, 0.7f, paint);
                using (var head = new SKPath())
                {
                    head.MoveTo(0, -0.65f);
                    head.LineTo(0.42f, -0.1f);
                    head.LineTo(-0.42f, -0.1f);
                    head.Close();
                    canvas.DrawPath(head, paint);
                }
                canvas.Restore();
                break;
            case Symbol.Dot:
                canvas.DrawCircle(0, 0, 0.38f, paint);
                break;
            case Symbol.DiagonalCross:
                paint.Style = SKPaintStyle.Stroke;
                paint.StrokeWidth = 0.2f;
                canvas.DrawLine(-0.55f, -0.55f, 0.55f, 0.55f, paint);
                canvas.DrawLine(-0.55f, 0.55f, 0.55f, -0.55f, paint);
                paint.Style = SKPaintStyle.Fill;
                break;
            case Symbol.InnerDiamond:
                using (var inner = Outline(Shape.Diamond, 0.7f)) canvas.DrawPath(inner, paint);
                break;
        }
    }

    private static void ReadPixels(SKBitmap bitmap, float[] planes, int plane)
    {
        var rgba = bitmap.GetPixelSpan();
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < 3; c++)
                planes[c * plane + p] = rgba[p * 4 + c] / 255f;
    }

    /// <summary>Camera effects on the rendered image: lighting and colour cast, blur, sensor noise.</summary>
    private static void Degrade(float[] planes, Random random, int size, SignsOptions options)
    {
        int plane = size * size;
        double blur = Uniform(random, 0, options.MaxBlur);
        if (blur > 0.05)
        {
            var copy = (float[])planes.Clone();
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        float sum = 0;
                        int n = 0;
                        for (int dy = -1; dy <= 1; dy++)
                            for (int dx = -1; dx <= 1; dx++)
                            {
                                int yy = y + dy, xx = x + dx;
                                if (yy < 0 || yy >= size || xx < 0 || xx >= size) continue;
                                sum += copy[c * plane + yy * size + xx];
                                n++;
                            }
                        int at = c * plane + y * size + x;
                        planes[at] = (float)((1 - blur) * copy[at] + blur * sum / n);
                    }
        }

        double brightness = Uniform(random, 0.55, 1.25), contrast = Uniform(random, 0.7, 1.2);
        double noise = Uniform(random, 0, options.MaxNoise);
        for (int c = 0; c < 3; c++)
        {
            double cast = Uniform(random, 0.9, 1.1);
            for (int p = 0; p < plane; p++)
            {
                int at = c * plane + p;
                double v = ((planes[at] - 0.5) * contrast + 0.5) * brightness * cast + noise * Gaussian(random);
                planes[at] = (float)Math.Clamp(v, 0, 1);
            }
        }
    }

    private static SKColor RandomColor(Random random) => new((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));

    private static float Uniform(Random random, float min, float max) => min + (float)random.NextDouble() * (max - min);

    private static double Uniform(Random random, double min, double max) => min + random.NextDouble() * (max - min);

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
