using AdvScan.Engine;
using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Training;

/// <summary>How <see cref="CalibratedResNet"/> builds its model.</summary>
/// <param name="Width">Channels of the first stage; the four stages have Width, 2, 4 and 8 times it (ResNet-18: 64).</param>
/// <param name="Size">Square input side (224 for ImageNet-style models).</param>
/// <param name="HeadSteps">Full-batch Adam steps of the linear head on the pooled features.</param>
/// <param name="HeadWeightDecay">L2 penalty on the head's weights over the standardised features: random features are
/// many and the data few, and an unpenalised head learns its training images rather than the classes.</param>
public sealed record ResNetOptions(int Width = 16, int Size = 224, int Seed = 0, int HeadSteps = 300, double HeadLearningRate = 0.05, double HeadWeightDecay = 0.002);

/// <summary>What <see cref="CalibratedResNet.Build"/> made, and how well the head fits the data it was trained on.</summary>
public sealed record CalibratedModel(OnnxModel Model, double TrainingAccuracy, int Parameters);

/// <summary>
/// A ResNet-18-shaped classifier for ImageNet-style input (the model takes images already normalised with a per-channel
/// mean and std, which the scan config declares): a 7x7/2 stem with a 3x3/2 max pool, basic blocks [2, 2, 2, 2] at
/// widths W, 2W, 4W, 8W (stride 2 and a 1x1 projection where a stage starts), BatchNormalization after every
/// convolution, global average pooling and a linear head. The convolutions keep their random He-initialised weights;
/// every batch-norm's statistics are calibrated, in order, on the calibration images (so each normalises what really
/// reaches it), and only the head is trained, on the pooled features: a random-feature ResNet with a trained linear
/// probe, built in seconds on a CPU and written as ONNX by the project's own graph builder.
/// </summary>
public static class CalibratedResNet
{
    private const float Epsilon = 1e-5f;
    private const float ResidualScale = 0.2f;

    private sealed class ConvBn(string name, float[] weight, long[] dims, int stride, int pad)
    {
        public string Name { get; } = name;
        public float[] Weight { get; } = weight;
        public long[] Dims { get; } = dims;
        public int Stride { get; } = stride;
        public int Pad { get; } = pad;
        public float[] Mean { get; set; } = [];
        public float[] Var { get; set; } = [];
        /// <summary>The batch norm's scale (the same for every channel).</summary>
        public float Gamma { get; init; } = 1f;
        public long OutChannels => Dims[0];
    }

    private sealed record Block(ConvBn First, ConvBn Second, ConvBn? Projection);

    /// <summary>
    /// Builds the model from <paramref name="images"/> (normalised, [N, 3, Size, Size]) and their labels: the first
    /// <paramref name="calibrationCount"/> images calibrate the batch norms, all of them train the head.
    /// </summary>
    public static CalibratedModel Build(string name, IReadOnlyList<string> classNames, float[] images, int[] labels, int calibrationCount,
        ResNetOptions options, CancellationToken cancellationToken = default)
    {
        int size = options.Size, per = 3 * size * size, count = labels.Length, classes = classNames.Count;
        if (images.LongLength != (long)count * per) throw new ArgumentException($"{images.Length} values are not {count} images of 3x{size}x{size}", nameof(images));
        if (calibrationCount < 2 || calibrationCount > count) throw new ArgumentOutOfRangeException(nameof(calibrationCount));
        var random = new Random(options.Seed);
        var (stem, blocks) = Layers(random, options.Width);

        using var noGrad = torch.no_grad();
        // Calibration: one pass over the calibration images sets every batch norm's statistics before the next layer runs.
        using (var scope = torch.NewDisposeScope())
        {
            var x = torch.tensor(images.AsSpan(0, calibrationCount * per).ToArray(), [calibrationCount, 3, size, size]);
            Features(x, stem, blocks, calibrate: true);
        }

        // The pooled features of every image, in batches, with the calibrated statistics.
        int featureCount = 8 * options.Width;
        var features = new float[(long)count * featureCount];
        const int Batch = 32;
        for (int start = 0; start < count; start += Batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(Batch, count - start);
            using var scope = torch.NewDisposeScope();
            var x = torch.tensor(images.AsSpan(start * per, n * per).ToArray(), [n, 3, size, size]);
            Features(x, stem, blocks, calibrate: false).data<float>().CopyTo(features.AsSpan(start * featureCount, n * featureCount));
        }

        var (headWeight, headBias, accuracy) = TrainHead(features, labels, featureCount, classes, options);
        var model = Write(name, classNames, size, stem, blocks, headWeight, headBias);
        int parameters = stem.Weight.Length + blocks.Sum(b => b.First.Weight.Length + b.Second.Weight.Length + (b.Projection?.Weight.Length ?? 0))
            + headWeight.Length + headBias.Length + 4 * (int)(stem.OutChannels + blocks.Sum(b => b.First.OutChannels + b.Second.OutChannels + (b.Projection?.OutChannels ?? 0)));
        return new CalibratedModel(model, accuracy, parameters);
    }

    private static (ConvBn Stem, List<Block> Blocks) Layers(Random random, int width)
    {
        ConvBn Conv(string name, int inC, int outC, int k, int stride) =>
            new(name, He(random, outC * inC * k * k, inC * k * k), [outC, inC, k, k], stride, k / 2);
        var stem = Conv("conv1", 3, width, 7, 2);
        var blocks = new List<Block>();
        int inC = width;
        for (int stage = 0; stage < 4; stage++)
        {
            int outC = width << stage;
            for (int b = 0; b < 2; b++)
            {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                string prefix = $"layer{stage + 1}.{b}";
                var projection = stride != 1 || inC != outC ? Conv($"{prefix}.downsample", inC, outC, 1, stride) : null;
                // The residual branch ends in a small batch-norm scale (torchvision's zero_init_residual, not quite zero):
                // random batch-normalised ReLU networks have input gradients that grow with depth, and unscaled branches
                // gave a model that flipped at a tenth of a grey level.
                var second = new ConvBn($"{prefix}.conv2", He(random, outC * outC * 9, outC * 9), [outC, outC, 3, 3], 1, 1) { Gamma = ResidualScale };
                blocks.Add(new Block(Conv($"{prefix}.conv1", inC, outC, 3, stride), second, projection));
                inC = outC;
            }
        }
        return (stem, blocks);
    }

    private static Tensor Features(Tensor x, ConvBn stem, List<Block> blocks, bool calibrate)
    {
        x = F.relu(Apply(stem, x, calibrate));
        x = F.max_pool2d(x, [3, 3], [2, 2], [1, 1]);
        foreach (var block in blocks)
        {
            var branch = F.relu(Apply(block.First, x, calibrate));
            branch = Apply(block.Second, branch, calibrate);
            var skip = block.Projection is { } p ? Apply(p, x, calibrate) : x;
            x = F.relu(branch.add(skip, Scalars.One));
        }
        return x.mean([2, 3]);
    }

    /// <summary>Convolution then eval-mode batch norm (scale <see cref="ConvBn.Gamma"/>, shift 0); when calibrating, the statistics come from <paramref name="x"/>'s own output first.</summary>
    private static Tensor Apply(ConvBn layer, Tensor x, bool calibrate)
    {
        using var weight = torch.tensor(layer.Weight, layer.Dims);
        var y = F.conv2d(x, weight, null, [layer.Stride, layer.Stride], [layer.Pad, layer.Pad]);
        if (calibrate)
        {
            using var mean = y.mean([0, 2, 3]);
            using var variance = y.var([0, 2, 3], unbiased: false);
            layer.Mean = mean.data<float>().ToArray();
            layer.Var = variance.data<float>().ToArray();
        }
        using var m = torch.tensor(layer.Mean);
        using var v = torch.tensor(layer.Var);
        using var scale = torch.tensor(Enumerable.Repeat(layer.Gamma, (int)layer.OutChannels).ToArray());
        using var zeros = torch.zeros(layer.OutChannels);
        return F.batch_norm(y, m, v, scale, zeros, training: false, eps: Epsilon);
    }

    /// <summary>
    /// Softmax regression on the centred features over their overall standard deviation (full batch, Adam), folded back
    /// into one linear layer on the raw features: W' = W / s, b' = b - W' m.
    /// </summary>
    private static (float[] Weight, float[] Bias, double Accuracy) TrainHead(float[] features, int[] labels, int featureCount, int classes, ResNetOptions options)
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(features, [labels.Length, featureCount]);
        var y = torch.tensor(labels.Select(l => (long)l).ToArray(), [labels.Length]);
        var mean = x.mean([0], keepdim: true);
        // One scale for all features, not one per feature: dividing a near-constant feature by its tiny std would make
        // the model hypersensitive to it (a head that flips at a fortieth of a grey level, which no trained net does).
        var std = x.sub(mean).std();
        var z = x.sub(mean).div(std);
        var weight = new TorchSharp.Modules.Parameter(torch.zeros(classes, featureCount));
        var bias = new TorchSharp.Modules.Parameter(torch.zeros(classes));
        using var optimizer = new ScalarFreeAdam([weight, bias], options.HeadLearningRate);
        // Build runs the network without gradients; the head needs them.
        using var grad = torch.enable_grad();
        for (int step = 0; step < options.HeadSteps; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            optimizer.zero_grad();
            using var decay = torch.tensor((float)options.HeadWeightDecay);
            var loss = F.cross_entropy(F.linear(z, weight, bias), y).add(weight.mul(weight).sum().mul(decay), Scalars.One);
            loss.backward();
            optimizer.step();
        }
        using (torch.no_grad())
        {
            var folded = weight.div(std);
            var foldedBias = bias.sub(folded.matmul(mean.squeeze(0)));
            var predictions = F.linear(x, folded, foldedBias).argmax(1);
            double accuracy = predictions.eq(y).sum().item<long>() / (double)labels.Length;
            return (folded.data<float>().ToArray(), foldedBias.data<float>().ToArray(), accuracy);
        }
    }

    private static OnnxModel Write(string name, IReadOnlyList<string> classNames, int size, ConvBn stem, List<Block> blocks, float[] headWeight, float[] headBias)
    {
        var b = new OnnxGraphBuilder(name);
        b.Metadata(Architecture.ClassesMetadataKey, string.Join(",", classNames));
        b.Metadata("advscan.architecture", "resnet18-style, random convolutions with calibrated batch norm, trained linear head");
        var x = b.Input(Architecture.InputName, OnnxDataType.Float, "batch", 3, size, size);

        string ConvBnNode(ConvBn layer, string input)
        {
            var w = b.Initializer($"{layer.Name}.weight", layer.Dims, layer.Weight);
            long k = layer.Dims[2];
            var y = b.Node("Conv", [input, w], new Dictionary<string, object>
            {
                ["kernel_shape"] = new[] { k, k }, ["strides"] = new long[] { layer.Stride, layer.Stride },
                ["pads"] = new long[] { layer.Pad, layer.Pad, layer.Pad, layer.Pad },
            }, name: layer.Name);
            int c = (int)layer.OutChannels;
            string bn = layer.Name.Replace("conv", "bn", StringComparison.Ordinal).Replace("downsample", "downsample.bn", StringComparison.Ordinal);
            return b.Node("BatchNormalization",
                [y, b.Initializer($"{bn}.weight", [c], Enumerable.Repeat(layer.Gamma, c).ToArray()), b.Initializer($"{bn}.bias", [c], new float[c]),
                 b.Initializer($"{bn}.running_mean", [c], layer.Mean), b.Initializer($"{bn}.running_var", [c], layer.Var)],
                new Dictionary<string, object> { ["epsilon"] = Epsilon }, name: bn);
        }

        x = b.Node("Relu", [ConvBnNode(stem, x)]);
        x = b.Node("MaxPool", [x], new Dictionary<string, object>
        {
            ["kernel_shape"] = new long[] { 3, 3 }, ["strides"] = new long[] { 2, 2 }, ["pads"] = new long[] { 1, 1, 1, 1 },
        });
        foreach (var block in blocks)
        {
            var branch = b.Node("Relu", [ConvBnNode(block.First, x)]);
            branch = ConvBnNode(block.Second, branch);
            var skip = block.Projection is { } p ? ConvBnNode(p, x) : x;
            x = b.Node("Relu", [b.Node("Add", [branch, skip])]);
        }
        x = b.Node("GlobalAveragePool", [x]);
        x = b.Node("Flatten", [x], new Dictionary<string, object> { ["axis"] = 1L });
        int classes = classNames.Count, features = headWeight.Length / classes;
        var logits = b.Node("Gemm", [x, b.Initializer("fc.weight", [classes, features], headWeight), b.Initializer("fc.bias", [classes], headBias)],
            new Dictionary<string, object> { ["transB"] = 1L }, name: "fc");
        b.Output(logits, OnnxDataType.Float, "batch", classes);
        return OnnxModel.Parse(b.ToBytes());
    }

    /// <summary>He (Kaiming) normal initialisation from <paramref name="random"/> (Box-Muller, a pure function of the seed).</summary>
    private static float[] He(Random random, int count, int fanIn)
    {
        double std = Math.Sqrt(2.0 / fanIn);
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            data[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return data;
    }
}
