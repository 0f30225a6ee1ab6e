using Microsoft.ML;
using Microsoft.ML.Data;

namespace AdvScan.MLNet.Tests;

/// <summary>One row of the signs-test folder: the PNG's path and its class as the model numbers it.</summary>
public sealed class SignRow
{
    public string ImagePath { get; set; } = "";
    public int Label { get; set; }
    public string ClassName { get; set; } = "";
}

/// <summary>The real fixtures and the ML.NET image chain the issue names: LoadImages -> ResizeImages -> ExtractPixels.</summary>
public static class SignsPipeline
{
    public static string RepositoryRoot { get; } = FindRoot();
    public static string Fixtures => Path.Combine(RepositoryRoot, "tests", "fixtures");
    public static string SignsFolder => Path.Combine(Fixtures, "signs-test");
    public static string SignsModel => Path.Combine(Fixtures, "signs-cnn.onnx");

    /// <summary>The model's class order (its advscan.classes metadata), which is not the folders' alphabetical order.</summary>
    public static IReadOnlyList<string> Classes { get; } = AdvScan.Data.ModelConventions.ClassNamesOf(AdvScan.Onnx.OnnxModel.Load(SignsModel))!;

    /// <summary>Every PNG in the folder reader's own order (class folders, then files, ordinal), so row i is the CLI's example i.</summary>
    public static List<SignRow> Rows() =>
        Directory.GetDirectories(SignsFolder).OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d).OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => new SignRow { ImagePath = f, ClassName = Path.GetFileName(d), Label = Classes.ToList().IndexOf(Path.GetFileName(d)) }))
            .ToList();

    /// <summary>Pixels as ML.NET users extract them for a [0,1] model: 0..255 bytes scaled by 1/255.</summary>
    public static IEstimator<ITransformer> Images(MLContext ml, int size = 32, string pixels = "pixels") =>
        ml.Transforms.LoadImages("image", imageFolder: "", inputColumnName: nameof(SignRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("image", size, size))
            .Append(ml.Transforms.ExtractPixels(pixels, "image", scaleImage: 1f / 255));

    /// <summary>The graph's input and output names, which ApplyOnnxModel binds columns by.</summary>
    public static (string Input, string Output) OnnxNames()
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(SignsModel);
        return (session.InputNames[0], session.OutputNames[0]);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AdvScan.sln"))) return dir.FullName;
        throw new InvalidOperationException("AdvScan.sln not found above the test output");
    }
}
