using System.Diagnostics;
using AdvScan.Engine;
using AdvScan.Onnx;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Training;

/// <summary>How a classifier is trained.</summary>
/// <param name="Seed">Drives shuffling and augmentation (System.Random), so one seed gives one byte-identical model on a given machine.</param>
/// <param name="MaxShift">Random translation of up to this many pixels per axis (zero fill): cheap augmentation for small training sets.</param>
/// <param name="CosineSchedule">Anneal the learning rate from <paramref name="LearningRate"/> towards 0 along a cosine, stepped per epoch: small
/// final steps settle the weights, worth a few tenths of a percent of accuracy.</param>
public sealed record TrainingOptions(int Epochs = 5, int BatchSize = 64, double LearningRate = 1e-3, int Seed = 0, int MaxShift = 0, bool CosineSchedule = true)
{
    public void Validate()
    {
        if (Epochs < 1) throw new InvalidInputException(null, $"epochs must be at least 1, got {Epochs}");
        if (BatchSize < 1) throw new InvalidInputException(null, $"batch size must be at least 1, got {BatchSize}");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new InvalidInputException(null, $"learning rate must be a positive number, got {LearningRate}");
        if (MaxShift < 0) throw new InvalidInputException(null, $"maximum shift must not be negative, got {MaxShift}");
    }
}

/// <summary>Reported after every epoch.</summary>
/// <param name="MeanLoss">Mean training loss; for adversarial training, the loss the optimizer saw (adversarial, or the clean mix).</param>
/// <param name="TrainingAccuracy">Accuracy on the batches the optimizer saw: adversarial ones for adversarial training.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, double MeanLoss, double TrainingAccuracy, TimeSpan Elapsed)
{
    /// <summary>Adversarial training only: the L-inf budget of the epoch's last batch (it ramps up first when asked to).</summary>
    public double? Epsilon { get; init; }
}

/// <summary>The trained model and how training went.</summary>
public sealed record TrainingResult(OnnxModel Model, IReadOnlyList<TrainingProgress> Epochs, TimeSpan Elapsed);

/// <summary>
/// Trains an ONNX classifier in place of its initializers: the graph is imported with trainable initializers, optimised
/// with Adam on cross-entropy, and written back as ONNX with the trained weights (graph and metadata unchanged).
/// </summary>
public static class ClassifierTrainer
{
    public static TrainingResult Train(OnnxModel initial, ImageSet data, TrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        return Run(initial, data, options, CleanStep, progress, cancellationToken);
    }

    /// <summary>Where a mini-batch sits in the run: 1-based epoch, 0-based batch index over the whole run, batches per epoch.</summary>
    internal readonly record struct BatchPosition(int Epoch, long Batch, int BatchesPerEpoch);

    /// <summary>
    /// One optimisation step's objective: returns the loss to minimise (a scalar) and the logits whose accuracy is
    /// reported. Runs inside the batch's dispose scope with the graph in training mode.
    /// </summary>
    internal delegate (Tensor Loss, Tensor Logits) BatchObjective(OnnxGraph graph, Tensor pixels, Tensor labels, BatchPosition position);

    private static (Tensor Loss, Tensor Logits) CleanStep(OnnxGraph graph, Tensor x, Tensor y, BatchPosition position)
    {
        var logits = graph.forward(x);
        return (F.cross_entropy(logits, y), logits);
    }

    /// <summary>
    /// The training loop every trainer shares: seeded shuffling and shift augmentation, Adam, optional cosine schedule,
    /// one dispose scope per batch (memory stays flat), and the graph exported back to ONNX at the end.
    /// </summary>
    internal static TrainingResult Run(OnnxModel initial, ImageSet data, TrainingOptions options, BatchObjective objective,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        if (data.Count == 0) throw new InvalidInputException(null, "the training set is empty");
        CheckCompatible(initial, data);

        var clock = Stopwatch.StartNew();
        var random = new Random(options.Seed);
        var history = new List<TrainingProgress>(options.Epochs);
        using var graph = OnnxGraph.Import(initial, new ImportOptions(Device: "cpu", TrainableInitializers: true));
        graph.train();
        using var optimizer = new ScalarFreeAdam(graph.parameters(), options.LearningRate);
        var schedule = options.CosineSchedule ? torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, options.Epochs) : null;

        var order = Enumerable.Range(0, data.Count).ToArray();
        var batchPixels = new float[options.BatchSize * data.ImageSize];
        var batchLabels = new long[options.BatchSize];
        int batchesPerEpoch = (data.Count + options.BatchSize - 1) / options.BatchSize;
        long batchIndex = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            random.Shuffle(order);
            double lossSum = 0;
            long correct = 0;
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int size = Math.Min(options.BatchSize, order.Length - start);
                for (int i = 0; i < size; i++)
                {
                    int index = order[start + i];
                    var target = batchPixels.AsSpan(i * data.ImageSize, data.ImageSize);
                    if (options.MaxShift > 0)
                        Shift(data.Image(index), target, data.Channels, data.Height, data.Width,
                            random.Next(-options.MaxShift, options.MaxShift + 1), random.Next(-options.MaxShift, options.MaxShift + 1));
                    else data.Image(index).CopyTo(target);
                    batchLabels[i] = data.Labels[index];
                }

                using var scope = torch.NewDisposeScope();
                var x = torch.tensor(batchPixels.AsSpan(0, size * data.ImageSize).ToArray(), [size, data.Channels, data.Height, data.Width]);
                var y = torch.tensor(batchLabels.AsSpan(0, size).ToArray(), [size]);
                var (loss, logits) = objective(graph, x, y, new BatchPosition(epoch, batchIndex++, batchesPerEpoch));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * size;
                correct += logits.argmax(1).eq(y).sum().item<long>();
            }
            schedule?.step();
            var report = new TrainingProgress(epoch, options.Epochs, lossSum / data.Count, (double)correct / data.Count, clock.Elapsed);
            history.Add(report);
            progress?.Report(report);
        }

        var trained = OnnxModel.Parse(Google.Protobuf.MessageExtensions.ToByteArray(graph.ExportModel()));
        return new TrainingResult(trained, history, clock.Elapsed);
    }

    private static void CheckCompatible(OnnxModel model, ImageSet data)
    {
        if (model.Inputs.Count != 1) throw new InvalidInputException(model.File, $"a classifier to train has one input, this model has {model.Inputs.Count}");
        var shape = model.Inputs[0].Shape;
        if (shape is not { Count: 4 }) throw new InvalidInputException(model.File, "a classifier to train takes [batch, channels, height, width] images");
        long[] expected = [data.Channels, data.Height, data.Width];
        for (int d = 0; d < 3; d++)
            if (shape[d + 1].Value is long fixedSize && fixedSize != expected[d])
                throw new InvalidInputException(model.File,
                    $"expects images of {model.Inputs[0].ShapeText} but the data holds {data.Channels}x{data.Height}x{data.Width} images");
        var classes = model.Metadata.GetValueOrDefault(Architecture.ClassesMetadataKey);
        if (classes is not null && classes.Split(',').Length != data.ClassNames.Count)
            throw new InvalidInputException(model.File, $"has {classes.Split(',').Length} classes but the data has {data.ClassNames.Count}");
    }

    /// <summary>Copies an image translated by (dx, dy) pixels; uncovered pixels become 0 (background).</summary>
    private static void Shift(ReadOnlySpan<float> source, Span<float> target, int channels, int height, int width, int dx, int dy)
    {
        target.Clear();
        for (int c = 0; c < channels; c++)
            for (int y = Math.Max(0, dy); y < Math.Min(height, height + dy); y++)
            {
                int plane = c * height * width;
                int x0 = Math.Max(0, dx), x1 = Math.Min(width, width + dx);
                source.Slice(plane + (y - dy) * width + (x0 - dx), x1 - x0).CopyTo(target.Slice(plane + y * width + x0, x1 - x0));
            }
    }
}

/// <summary>Predictions of a model through the TorchSharp engine, in batches.</summary>
public static class EnginePredictor
{
    public static int[] Predict(OnnxModel model, ImageSet data, int batchSize = 256, CancellationToken cancellationToken = default)
    {
        using var graph = OnnxGraph.Import(model);
        graph.eval();
        var predictions = new int[data.Count];
        using var noGrad = torch.no_grad();
        for (int start = 0; start < data.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int size = Math.Min(batchSize, data.Count - start);
            using var scope = torch.NewDisposeScope();
            var x = torch.tensor(data.Pixels.AsSpan(start * data.ImageSize, size * data.ImageSize).ToArray(), [size, data.Channels, data.Height, data.Width]);
            var labels = graph.forward(x).argmax(1).data<long>().ToArray();
            for (int i = 0; i < size; i++) predictions[start + i] = (int)labels[i];
        }
        return predictions;
    }

    public static double Accuracy(IReadOnlyList<int> predictions, IReadOnlyList<int> labels) =>
        (double)predictions.Where((p, i) => p == labels[i]).Count() / labels.Count;
}
