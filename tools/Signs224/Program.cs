using System.Diagnostics;
using System.Globalization;
using AdvScan.Data;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Training;

// Usage: Signs224 <output-dir>   (examples/signs224)
// Draws 320x320 sign pictures, stores them as JPEG and reads them back through AdvScan's own dataset reader with the
// ImageNet-style policy the scan uses (shorter side to 256, centre crop 224, then ImageNet mean/std), builds the
// ResNet-18-style model on them (random convolutions, calibrated batch norm, trained linear head), and writes the model
// and a held-out JPEG sample. One intra-op thread and fixed seeds: the same bytes on every run of one machine.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: Signs224 <output-dir>");
    return 2;
}
var output = Path.GetFullPath(args[0]);
TorchSharp.torch.set_num_threads(1);
var clock = Stopwatch.StartNew();
float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
const int Source = 320, Size = 224, TrainCount = 1500, HeldOutCount = 50, Calibration = 200;

(float[] Pixels, int[] Labels) ReadBack(string folder)
{
    using var data = Datasets.Open(folder, new DatasetOptions(Resize: ResizePolicy.CenterCrop, Height: Size, Width: Size, ClassNames: SignsGenerator.ClassNames));
    var pixels = new List<float>();
    var labels = new List<int>();
    foreach (var batch in data.ReadBatches(Enumerable.Range(0, data.Count).ToList(), 64))
    {
        pixels.AddRange(batch.Pixels);
        labels.AddRange(batch.Labels);
    }
    var array = pixels.ToArray();
    int plane = Size * Size;
    for (long i = 0; i < array.LongLength; i++)
    {
        int c = (int)(i / plane % 3);
        array[i] = (array[i] - mean[c]) / std[c];
    }
    return (array, labels.ToArray());
}

var scratch = Directory.CreateTempSubdirectory("signs224-").FullName;
try
{
    var train = SignsGenerator.Generate(TrainCount, seed: 224, new SignsOptions(Size: Source));
    PngFolderWriter.Write(train, scratch, jpegQuality: 90);
    var (trainPixels, trainLabels) = ReadBack(scratch);
    var built = CalibratedResNet.Build("signs224", SignsGenerator.ClassNames, trainPixels, trainLabels, Calibration, new ResNetOptions(Size: Size, Seed: 5));
    Directory.CreateDirectory(output);
    var modelPath = Path.Combine(output, "signs224.onnx");
    File.WriteAllBytes(modelPath, built.Model.ToBytes());

    var images = Path.Combine(output, "images");
    if (Directory.Exists(images)) Directory.Delete(images, recursive: true);
    var heldOut = SignsGenerator.Generate(HeldOutCount, seed: 2241, new SignsOptions(Size: Source));
    PngFolderWriter.Write(heldOut, images, jpegQuality: 90);
    var (testPixels, testLabels) = ReadBack(images);
    using var session = ReferenceSession.Open(OnnxModel.Load(modelPath));
    var logits = session.RunFirst(new HostTensor(testPixels, [testLabels.Length, 3, Size, Size])).Data;
    int classes = SignsGenerator.ClassNames.Count, correct = 0;
    for (int i = 0; i < testLabels.Length; i++)
        if (Enumerable.Range(0, classes).MaxBy(k => logits[i * classes + k]) == testLabels[i]) correct++;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"signs224: {built.Parameters:N0} parameters, {new FileInfo(modelPath).Length / 1e6:F2} MB; head accuracy on {TrainCount} training images {built.TrainingAccuracy:P1}; ONNX Runtime on {HeldOutCount} held-out {correct / (double)HeldOutCount:P1}; {clock.Elapsed.TotalSeconds:F0} s"));
    return 0;
}
finally
{
    Directory.Delete(scratch, recursive: true);
}
