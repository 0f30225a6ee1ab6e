using AdvScan.Checks.Backdoor;
using AdvScan.Onnx;
using AdvScan.Scanning;
using AdvScan.Training;

namespace AdvScan.Hardening;

/// <summary>
/// Neural Cleanse's unlearning mitigation through the project's shared training loop (<see cref="ClassifierTrainer"/>):
/// weights are fine-tuned (this is training, so here and only here weights take gradients) on clean images, a seeded
/// share of them stamped with the trigger in pixel space and all keeping their true labels, and the result is written
/// back as ONNX with the same graph and metadata.
/// </summary>
public static class Unlearning
{
    public static TrainingResult Unlearn(OnnxModel model, HostImages clean, MaskedTrigger trigger, PixelMapping mapping, IReadOnlyList<string> classNames,
        UnlearningOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (clean.Count < 2) throw new InvalidInputException(null, $"unlearning needs clean images to fine-tune on, got {clean.Count}");
        if (trigger.Channels != clean.Channels || trigger.Height != clean.Height || trigger.Width != clean.Width)
            throw new InvalidInputException(null, $"the trigger is {trigger.Channels}x{trigger.Height}x{trigger.Width} but the images are {clean.Channels}x{clean.Height}x{clean.Width}");
        var rows = Enumerable.Range(0, clean.Count).ToArray();
        new Random(options.Seed).Shuffle(rows);
        int stamped = Math.Max(1, (int)Math.Round(options.StampedShare * clean.Count));
        var pixels = (float[])clean.Pixels.Clone();
        foreach (var row in rows.Take(stamped)) trigger.Stamp(pixels.AsSpan(row * clean.ImageSize, clean.ImageSize));

        // The trainer feeds its images to the model as they are, so they go through the model's input mapping first.
        var (input, shape) = mapping.ToModelInputHost(pixels, clean.Shape);
        if (shape.Length != 4 || shape[0] != clean.Count)
            throw new InvalidInputException(model.File, $"unlearning fine-tunes [batch, channels, height, width] models; this one takes [{string.Join(", ", shape)}]");
        var set = new ImageSet((int)shape[1], (int)shape[2], (int)shape[3], input, clean.Labels.ToArray(), classNames);
        var training = new TrainingOptions(options.Epochs, options.BatchSize, options.LearningRate, options.Seed, MaxShift: 0, CosineSchedule: true);
        return ClassifierTrainer.Train(model, set, training, progress, cancellationToken);
    }
}
