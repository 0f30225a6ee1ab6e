using AdvScan.Onnx;
using SkiaSharp;

namespace AdvScan.Fuzz;

/// <summary>
/// The folder one fuzzing process writes its inputs to, with the real files around them that inputs may name: images
/// for manifests, a model and data for configs, an external-data file for models. One per process (its id in the
/// name), under $ADVSCAN_FUZZ_WORK or the temporary folder; removed when the process ends normally.
/// </summary>
internal static class Work
{
    private static readonly Lazy<string> Lazy = new(Create);

    public static string Folder => Lazy.Value;

    public static string Write(string relative, byte[] bytes)
    {
        var path = Path.Combine(Folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string Create()
    {
        var parent = Environment.GetEnvironmentVariable("ADVSCAN_FUZZ_WORK") ?? Path.GetTempPath();
        var folder = Directory.CreateDirectory(Path.Combine(parent, $"advscan-fuzz-{Environment.ProcessId}")).FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        Directory.CreateDirectory(Path.Combine(folder, "manifest", "sub"));
        File.WriteAllBytes(Path.Combine(folder, "manifest", "a.png"), Png(4, 4, 200));
        File.WriteAllBytes(Path.Combine(folder, "manifest", "b.png"), Png(4, 4, 20));
        File.WriteAllBytes(Path.Combine(folder, "manifest", "sub", "c.png"), Png(6, 3, 90));
        // External data a fuzzed model may name (w.bin, inside the model's folder).
        File.WriteAllBytes(Path.Combine(folder, "w.bin"), new byte[256]);
        var config = Directory.CreateDirectory(Path.Combine(folder, "config")).FullName;
        File.WriteAllBytes(Path.Combine(config, "model.onnx"), Seeds.TinyModel());
        Directory.CreateDirectory(Path.Combine(config, "data", "cat"));
        Directory.CreateDirectory(Path.Combine(config, "data", "dog"));
        File.WriteAllBytes(Path.Combine(config, "data", "cat", "a.png"), Png(4, 4, 200));
        File.WriteAllBytes(Path.Combine(config, "data", "dog", "b.png"), Png(4, 4, 20));
        File.WriteAllBytes(Path.Combine(config, "x.npy"), Seeds.Npy("|u1", [2, 4, 4], new byte[32]));
        File.WriteAllBytes(Path.Combine(config, "y.npy"), Seeds.Npy("|u1", [2], [0, 1]));
        File.WriteAllText(Path.Combine(config, "truth.json"), "{}");
        return folder;
    }

    public static byte[] Png(int width, int height, byte value)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(new SKColor(value, (byte)(255 - value), (byte)(value / 2)));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
