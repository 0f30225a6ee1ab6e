using System.Globalization;

namespace AdvScan.Hardening;

/// <summary>
/// How Neural Cleanse's mitigation fine-tunes a backdoor away: the model is trained further on clean images, a share of
/// them stamped with the (recovered) trigger but keeping their true labels, so the network learns that the trigger
/// means nothing. The paper used 10% of the training data with 20% of it stamped, for one epoch.
/// </summary>
/// <param name="StampedShare">Share of the fine-tuning images that carry the trigger (the paper's 20%).</param>
/// <param name="LearningRate">Adam's rate: small, so the clean task is kept while the trigger's shortcut is unlearned.</param>
public sealed record UnlearningOptions(double StampedShare = 0.2, int Epochs = 3, int BatchSize = 32, double LearningRate = 1e-3, int Seed = 0)
{
    public void Validate()
    {
        if (!(StampedShare > 0 && StampedShare < 1)) throw new InvalidInputException(null, $"the stamped share must lie strictly between 0 and 1, got {StampedShare}");
        if (Epochs < 1) throw new InvalidInputException(null, $"unlearning epochs must be at least 1, got {Epochs}");
        if (BatchSize < 1) throw new InvalidInputException(null, $"unlearning batch size must be at least 1, got {BatchSize}");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new InvalidInputException(null, $"unlearning learning rate must be positive, got {LearningRate}");
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Epochs} epochs of Adam {LearningRate} in batches of {BatchSize}, {StampedShare:P0} of the images stamped with the trigger, seed {Seed}");
}
