using AdvScan.Data;
using AdvScan.MLNet;
using AdvScan.Onnx;
using Microsoft.ML;
using Microsoft.ML.Data;

// Usage: MlnetPipeline [signs-folder] [model.onnx] [output-zip]. Defaults are the repository's fixtures.
var root = FindRoot();
var folder = args.Length > 0 ? args[0] : Path.Combine(root, "tests", "fixtures", "signs-test");
var modelPath = args.Length > 1 ? args[1] : Path.Combine(root, "tests", "fixtures", "signs-cnn.onnx");
var output = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "signs-pipeline.zip");

// Labels as the model numbers its classes (its advscan.classes metadata), one row per PNG in <folder>/<class>/.
var classes = ModelConventions.ClassNamesOf(OnnxModel.Load(modelPath))!.ToList();
var rows = Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal)
    .SelectMany(d => Directory.GetFiles(d, "*.png").OrderBy(f => f, StringComparer.Ordinal)
        .Select(f => new SignImage { ImagePath = f, Label = classes.IndexOf(Path.GetFileName(d)) }))
    .ToList();

// ApplyOnnxModel binds columns by the graph's own input and output names.
string inputName, outputName;
using (var session = new Microsoft.ML.OnnxRuntime.InferenceSession(modelPath)) (inputName, outputName) = (session.InputNames[0], session.OutputNames[0]);

var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromEnumerable(rows);
var scoring = ml.Transforms.LoadImages("image", imageFolder: "", inputColumnName: nameof(SignImage.ImagePath))
    .Append(ml.Transforms.ResizeImages("image", 32, 32))
    .Append(ml.Transforms.ExtractPixels(inputName, "image", scaleImage: 1f / 255))
    .Append(ml.Transforms.ApplyOnnxModel(modelFile: modelPath, outputColumnNames: [outputName], inputColumnNames: [inputName]));

// The AdvScan step: PGD at eps 4/255 on a 60-image sample; Fit throws RobustnessGateException below 20% robust accuracy.
// The STRIP guard is calibrated at Fit on 100 of the rows, for 5% false rejection.
var scan = ml.Transforms.ScanRobustness(modelPath, imageColumn: inputName, labelColumn: nameof(SignImage.Label), new RobustnessScanOptions
{
    Attack = "pgd", Epsilon = 4.0 / 255, Steps = 10, SampleSize = 60, Seed = 7, MinRobustAccuracy = 0.2,
    StripGuard = new StripGuardOptions { Calibration = 100, FalseRejectionRate = 0.05 },
});
var pipeline = scoring.Append(scan);

try
{
    var fitted = pipeline.Fit(data);
    var report = fitted.LastTransformer.Report;
    Console.WriteLine($"data: {report.Data}");
    Console.WriteLine($"clean accuracy: {report.CleanAccuracy.Value:P1} of {report.Examples}");
    foreach (var attack in report.Attacks)
        foreach (var point in attack.Result.Curve)
            Console.WriteLine($"{attack.Config.Id} ({attack.Description}): robust accuracy {point.RobustAccuracy.Value:P1} at eps {point.Epsilon:0.####}");
    foreach (var gate in report.Gates) Console.WriteLine($"gate {gate.Status}: {gate.Message}");

    // Transform adds per-row columns: the same PGD over every row (the audit), and the STRIP guard's verdict.
    var audited = fitted.Transform(data);
    var labels = audited.GetColumn<int>(nameof(SignImage.Label)).ToArray();
    var adversarial = audited.GetColumn<int>(AdvScanColumns.AdversarialPrediction).ToArray();
    var robust = audited.GetColumn<bool>(AdvScanColumns.Robust).ToArray();
    var norms = audited.GetColumn<float>(AdvScanColumns.PerturbationNorm).ToArray();
    var suspected = audited.GetColumn<bool>(AdvScanColumns.SuspectedTrigger).ToArray();
    Console.WriteLine($"audit: {robust.Count(r => r)} of {robust.Length} rows robust under {fitted.LastTransformer.AuditAttack}");
    foreach (var i in Enumerable.Range(0, robust.Length).Where(i => !robust[i] && norms[i] > 0).Take(3))
        Console.WriteLine($"  row {i}: {classes[labels[i]]} -> {classes[adversarial[i]]}, L-inf {norms[i]:0.####}");
    Console.WriteLine($"STRIP: threshold {fitted.LastTransformer.Guard!.Threshold:0.####} bits; {suspected.Count(s => s)} of {suspected.Length} clean rows flagged");

    // Saved without the scan step: ML.NET 5.0.1 keeps what a custom transformer needs to save and load itself internal.
    var serving = scoring.Fit(data);
    ml.Model.Save(serving, data.Schema, output);
    Console.WriteLine($"saved the scoring pipeline to {output}");
    return 0;
}
catch (RobustnessGateException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "AdvScan.sln"))) return dir.FullName;
    return Directory.GetCurrentDirectory();
}

/// <summary>One PNG and its class index.</summary>
internal sealed class SignImage
{
    public string ImagePath { get; set; } = "";
    public int Label { get; set; }
}
