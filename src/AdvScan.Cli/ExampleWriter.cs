using System.Globalization;
using System.Text;
using AdvScan.Reporting;
using AdvScan.Scanning;

namespace AdvScan.Cli;

/// <summary>
/// `--save-examples DIR`: for every example the attack broke, its clean and adversarial images as PNG (8 bits per
/// channel, so a pixel may move by up to half a grey level more than eps), the perturbation amplified to full range,
/// and one row of <c>index.csv</c> naming them with the label and ONNX Runtime's predictions. Files are named after
/// the example's index in the dataset and written as the attack goes, so memory does not grow with the sample.
/// </summary>
internal sealed class ExampleWriter : IDisposable
{
    private const string Header = "index,label,label_name,clean_prediction,clean_confidence,adversarial_prediction,adversarial_confidence,linf,l2,clean_png,adversarial_png,perturbation_png";
    private readonly IReadOnlyList<int> _indices;
    private readonly IReadOnlyList<string> _classNames;
    private readonly StringBuilder _index = new(Header + "\n");

    public ExampleWriter(string directory, IReadOnlyList<int> indices, IReadOnlyList<string> classNames)
    {
        Directory = directory;
        _indices = indices;
        _classNames = classNames;
        OutputFiles.CreateDirectory(directory);
    }

    public string Directory { get; }
    public int Written { get; private set; }

    public void Add(ExampleOutcome outcome)
    {
        if (outcome.Robust || outcome.Adversarial is not { } adversarial) return;
        int index = _indices[outcome.Position];
        var shape = outcome.ImageShape;
        int height = (int)shape[^2], width = (int)shape[^1], channels = outcome.Clean.Length / (height * width);
        string stem = index.ToString("D6", CultureInfo.InvariantCulture);
        string clean = $"{stem}-clean.png", adv = $"{stem}-adversarial.png", delta = $"{stem}-perturbation.png";
        OutputFiles.Write(Path.Combine(Directory, clean), ImageEncoding.Png(outcome.Clean, height, width, channels));
        OutputFiles.Write(Path.Combine(Directory, adv), ImageEncoding.Png(adversarial, height, width, channels));
        OutputFiles.Write(Path.Combine(Directory, delta), ImageEncoding.Png(ImageEncoding.AmplifiedPerturbation(outcome.Clean, adversarial), height, width, channels));
        double linf = 0, l2 = 0;
        for (int i = 0; i < adversarial.Length; i++)
        {
            double d = Math.Abs((double)adversarial[i] - outcome.Clean[i]);
            linf = Math.Max(linf, d);
            l2 += d * d;
        }
        string name = outcome.Label < _classNames.Count ? _classNames[outcome.Label] : "";
        _index.Append(string.Create(CultureInfo.InvariantCulture,
            $"{index},{outcome.Label},{Csv(name)},{outcome.CleanPrediction},{outcome.CleanConfidence:F6},{outcome.AdversarialPrediction},{outcome.AdversarialConfidence:F6},{linf:F6},{Math.Sqrt(l2):F6},{clean},{adv},{delta}\n"));
        Written++;
    }

    /// <summary>Writes index.csv; call once the attack has finished.</summary>
    public void Finish() => OutputFiles.Write(Path.Combine(Directory, "index.csv"), _index.ToString());

    public void Dispose() { }

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
