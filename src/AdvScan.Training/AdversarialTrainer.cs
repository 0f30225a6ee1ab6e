using System.Globalization;
using AdvScan.Attacks;
using AdvScan.Engine;
using AdvScan.Onnx;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace AdvScan.Training;

/// <summary>
/// How a classifier is hardened by PGD adversarial training (Madry et al. 2018): every mini-batch is replaced by PGD
/// examples crafted against the current weights (L-inf, uniform random start, fixed number of steps, last iterate), and
/// the optimizer steps on those. Budgets are in [0,1] pixel space, like every attack in AdvScan.
/// </summary>
/// <param name="Epsilon">The L-inf budget trained against, in [0,1].</param>
/// <param name="Steps">PGD steps per crafted example (Madry et al. used 40 on MNIST; 7-10 buys most of it for a quarter of the time).</param>
/// <param name="StepSize">PGD step size at the full budget; null means 2.5 eps / steps, enough to cross the ball from a random start.
/// While eps ramps up, the step size is scaled by the same factor, so the steps-to-cross ratio stays fixed.</param>
/// <param name="RampEpochs">Raise eps linearly, per batch, from near 0 to <paramref name="Epsilon"/> over this many epochs, then hold it.
/// 0 trains at the full budget from the first batch. A ramp lets the network first learn the task: at eps 0.3 from random
/// weights, MNIST training can stall at chance accuracy.</param>
/// <param name="CleanWeight">Mix of clean and adversarial loss: the optimizer minimises (1-w) CE(adversarial) + w CE(clean).
/// 0 (the default) is pure Madry training; Goodfellow et al. 2015 used 0.5. Costs one extra forward/backward per batch when above 0.</param>
/// <param name="Epochs">Passes over the data. The other parameters are as in <see cref="TrainingOptions"/>.</param>
/// <param name="Seed">Drives shuffling, augmentation and every PGD random start: one seed gives one byte-identical model on a given machine
/// (with one TorchSharp thread).</param>
public sealed record HardeningOptions(
    double Epsilon = 0.3,
    int Steps = 10,
    double? StepSize = null,
    int RampEpochs = 0,
    double CleanWeight = 0,
    int Epochs = 10,
    int BatchSize = 64,
    double LearningRate = 1e-3,
    int Seed = 0,
    int MaxShift = 0,
    bool CosineSchedule = true)
{
    public void Validate()
    {
        ToTrainingOptions().Validate();
        if (!double.IsFinite(Epsilon) || Epsilon < 0 || Epsilon > 1) throw new InvalidInputException(null, Invariant($"eps must be in [0,1] (L-inf, pixel space), got {Epsilon}"));
        if (Steps < 1) throw new InvalidInputException(null, $"PGD steps must be at least 1, got {Steps}");
        if (StepSize is { } s && (!double.IsFinite(s) || s <= 0 || s > 1)) throw new InvalidInputException(null, Invariant($"step size must be in (0,1], got {s}"));
        if (RampEpochs < 0 || RampEpochs > Epochs) throw new InvalidInputException(null, $"eps ramp must last between 0 and the {Epochs} training epoch(s), got {RampEpochs}");
        if (!double.IsFinite(CleanWeight) || CleanWeight < 0 || CleanWeight >= 1)
            throw new InvalidInputException(null, Invariant($"clean-loss weight must be in [0,1), got {CleanWeight}"));
    }

    /// <summary>The shuffling/optimizer part, for the shared training loop.</summary>
    public TrainingOptions ToTrainingOptions() => new(Epochs, BatchSize, LearningRate, Seed, MaxShift, CosineSchedule);

    /// <summary>The budget used for batch <paramref name="batch"/> (0-based over the whole run).</summary>
    public double EpsilonAt(long batch, int batchesPerEpoch) =>
        RampEpochs == 0 ? Epsilon : Epsilon * Math.Min(1.0, (batch + 1) / ((double)RampEpochs * batchesPerEpoch));

    /// <summary>The PGD step size used at budget <paramref name="epsilon"/> (scaled with the ramp).</summary>
    public double StepSizeAt(double epsilon) =>
        Epsilon == 0 ? 0 : (StepSize ?? 2.5 * Epsilon / Steps) * (epsilon / Epsilon);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// PGD adversarial training: the min-max objective of Madry et al. (2018), min over weights of the expected max over
/// the eps-ball of the cross-entropy. The inner max is <see cref="Pgd.Craft"/> run on the imported graph with its weights
/// frozen; the outer min is the shared training loop of <see cref="ClassifierTrainer"/> (Adam, cosine schedule, seeded).
/// Works from a fresh architecture (<see cref="Architecture.Build"/>) or fine-tunes any trained classifier that takes
/// [batch, C, H, W] pixels in [0,1].
/// </summary>
public static class AdversarialTrainer
{
    public static TrainingResult Train(OnnxModel initial, ImageSet data, HardeningOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        int batchesPerEpoch = Math.Max(1, (data.Count + options.BatchSize - 1) / options.BatchSize);
        var reporter = new EpsilonProgress(progress, options, batchesPerEpoch);

        (Tensor Loss, Tensor Logits) Objective(OnnxGraph graph, Tensor x, Tensor y, ClassifierTrainer.BatchPosition position)
        {
            double epsilon = options.EpsilonAt(position.Batch, position.BatchesPerEpoch);
            var settings = new AttackSettings(Norm.LInf, epsilon, options.Steps, options.StepSizeAt(epsilon), Restarts: 1, RandomStart: true,
                Seed: unchecked(options.Seed * 1_000_003L + position.Batch));
            var adversarial = Craft(graph, x, y, settings, cancellationToken);
            var logits = graph.forward(adversarial);
            var loss = F.cross_entropy(logits, y);
            if (options.CleanWeight > 0)
                loss = loss.Times(1 - options.CleanWeight).Plus(F.cross_entropy(graph.forward(x), y).Times(options.CleanWeight));
            return (loss, logits);
        }

        var result = ClassifierTrainer.Run(initial, data, options.ToTrainingOptions(), Objective, reporter, cancellationToken);
        return result with { Epochs = reporter.History };
    }

    /// <summary>
    /// Crafts PGD examples against the graph's current weights. The weights are frozen for the duration (their
    /// <c>requires_grad</c> is off, so libtorch neither computes nor accumulates weight gradients) and the graph is in
    /// eval mode; both are restored afterwards, even on failure.
    /// </summary>
    /// <returns>Adversarial pixels inside the eps-ball around <paramref name="pixels"/> and inside [0,1], detached.</returns>
    public static Tensor Craft(OnnxGraph graph, Tensor pixels, Tensor labels, AttackSettings settings, CancellationToken cancellationToken = default)
    {
        var parameters = graph.parameters().ToArray();
        var required = parameters.Select(p => p.requires_grad).ToArray();
        bool training = graph.training;
        graph.eval();
        foreach (var p in parameters) p.requires_grad = false;
        try
        {
            return Pgd.Craft(new GraphClassifier(graph), pixels, labels, settings, cancellationToken);
        }
        finally
        {
            for (int i = 0; i < parameters.Length; i++) parameters[i].requires_grad = required[i];
            if (training) graph.train();
        }
    }

    /// <summary>Adds the epoch's final budget to each report (and keeps the decorated history for the result).</summary>
    private sealed class EpsilonProgress(IProgress<TrainingProgress>? inner, HardeningOptions options, int batchesPerEpoch) : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> History { get; } = new();

        public void Report(TrainingProgress value)
        {
            var decorated = value with { Epsilon = options.EpsilonAt((long)value.Epoch * batchesPerEpoch - 1, batchesPerEpoch) };
            History.Add(decorated);
            inner?.Report(decorated);
        }
    }
}
