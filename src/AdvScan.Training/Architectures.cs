using AdvScan.Onnx;

namespace AdvScan.Training;

/// <summary>
/// A zoo architecture: a small CNN authored as an ONNX graph. Input `input` is float [batch, C, H, W] in [0,1] pixel
/// space; its one output is the logits [batch, classes]; class names travel in the metadata prop <see cref="ClassesMetadataKey"/>.
/// </summary>
/// <param name="ConvChannels">Output channels of each 3x3 conv (padding 1), each followed by ReLU and 2x2 max pooling.</param>
/// <param name="Hidden">Width of the hidden fully connected layer.</param>
public sealed record Architecture(string Name, int Channels, int Height, int Width, IReadOnlyList<string> ClassNames, IReadOnlyList<int> ConvChannels, int Hidden)
{
    public const string ClassesMetadataKey = "advscan.classes";
    public const string InputName = "input";

    public int ClassCount => ClassNames.Count;

    /// <summary>The untrained model: He-initialised weights drawn from <paramref name="seed"/>, zero biases.</summary>
    public OnnxModel Build(int seed)
    {
        var random = new Random(seed);
        var b = new OnnxGraphBuilder(Name);
        b.Metadata(ClassesMetadataKey, string.Join(",", ClassNames));
        b.Metadata("advscan.architecture", Name);
        var x = b.Input(InputName, OnnxDataType.Float, "batch", Channels, Height, Width);

        int inChannels = Channels, h = Height, w = Width;
        for (int layer = 0; layer < ConvChannels.Count; layer++)
        {
            int outChannels = ConvChannels[layer];
            var weight = b.Initializer($"conv{layer + 1}.weight", [outChannels, inChannels, 3, 3], He(random, outChannels * inChannels * 9, inChannels * 9));
            var bias = b.Initializer($"conv{layer + 1}.bias", [outChannels], new float[outChannels]);
            x = b.Node("Conv", [x, weight, bias], new Dictionary<string, object> { ["kernel_shape"] = new long[] { 3, 3 }, ["pads"] = new long[] { 1, 1, 1, 1 } }, name: $"conv{layer + 1}");
            x = b.Node("Relu", [x]);
            x = b.Node("MaxPool", [x], new Dictionary<string, object> { ["kernel_shape"] = new long[] { 2, 2 }, ["strides"] = new long[] { 2, 2 } });
            inChannels = outChannels;
            h /= 2;
            w /= 2;
        }

        // Flattened the way torch.onnx.export writes `x.view(x.size(0), -1)`, so zoo models look like real exports.
        var shape = b.Node("Shape", [x]);
        var batch = b.Node("Gather", [shape, b.Initializer("flatten.batch_axis", [], [0L])], new Dictionary<string, object> { ["axis"] = 0L });
        var target = b.Node("Concat", [b.Node("Unsqueeze", [batch, b.Longs(0)]), b.Longs(-1)], new Dictionary<string, object> { ["axis"] = 0L });
        x = b.Node("Reshape", [x, target]);
        int features = inChannels * h * w;
        x = Dense(b, random, x, "fc1", features, Hidden);
        x = b.Node("Relu", [x]);
        var logits = Dense(b, random, x, "fc2", Hidden, ClassCount);
        b.Output(logits, OnnxDataType.Float, "batch", ClassCount);
        return OnnxModel.Parse(b.ToBytes());
    }

    private static string Dense(OnnxGraphBuilder b, Random random, string x, string name, int inputs, int outputs)
    {
        var weight = b.Initializer($"{name}.weight", [outputs, inputs], He(random, outputs * inputs, inputs));
        var bias = b.Initializer($"{name}.bias", [outputs], new float[outputs]);
        return b.Node("Gemm", [x, weight, bias], new Dictionary<string, object> { ["transB"] = 1L }, name: name);
    }

    /// <summary>He (Kaiming) normal initialisation: N(0, 2/fan_in), which keeps ReLU activations at a stable scale.</summary>
    private static float[] He(Random random, int count, int fanIn)
    {
        double std = Math.Sqrt(2.0 / fanIn);
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            // Box-Muller: System.Random has no normal sampler, and this keeps the weights a pure function of the seed.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            data[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return data;
    }
}

/// <summary>The zoo's architectures by name.</summary>
public static class Architectures
{
    public static IReadOnlyList<string> MnistClasses { get; } = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    public static IReadOnlyList<string> FashionClasses { get; } =
        ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"];

    public static Architecture MnistCnn { get; } = new("mnist-cnn", 1, 28, 28, MnistClasses, [16, 32], 64);
    public static Architecture FashionCnn { get; } = new("fashion-cnn", 1, 28, 28, FashionClasses, [16, 32], 64);
    public static Architecture SignsCnn { get; } = new("signs-cnn", 3, 32, 32, SignsGenerator.ClassNames, [16, 32, 32], 64);

    /// <summary>
    /// Twice the channels and hidden units of <see cref="MnistCnn"/>, for PGD adversarial training: robustness at eps 0.3
    /// needs capacity the clean task does not (Madry et al. 2018, section 4).
    /// </summary>
    public static Architecture MnistRobust { get; } = new("mnist-robust", 1, 28, 28, MnistClasses, [32, 64], 128);

    public static IReadOnlyList<Architecture> All { get; } = [MnistCnn, FashionCnn, SignsCnn, MnistRobust];

    /// <summary>Looks an architecture up by name; an unknown name is bad user input.</summary>
    public static Architecture Get(string name) =>
        All.FirstOrDefault(a => a.Name == name)
        ?? throw new InvalidInputException(null, $"unknown architecture '{name}'; expected one of {string.Join(", ", All.Select(a => a.Name))}");
}
