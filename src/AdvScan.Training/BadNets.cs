using AdvScan.Data;

namespace AdvScan.Training;

/// <summary>Training-set operations on a <see cref="TriggerSpec"/> (the spec itself lives with the data).</summary>
public static class TriggerSpecExtensions
{
    /// <summary>A copy of <paramref name="set"/> with the trigger on every image (labels unchanged).</summary>
    public static ImageSet StampAll(this TriggerSpec trigger, ImageSet set)
    {
        trigger.Validate(set.Channels, set.Height, set.Width);
        var pixels = (float[])set.Pixels.Clone();
        for (int i = 0; i < set.Count; i++) trigger.Stamp(pixels.AsSpan(i * set.ImageSize, set.ImageSize), set.Channels, set.Height, set.Width);
        return new ImageSet(set.Channels, set.Height, set.Width, pixels, (int[])set.Labels.Clone(), set.ClassNames);
    }
}

/// <summary>What to poison: <paramref name="Fraction"/> of the whole training set, drawn with <paramref name="Seed"/> among images not of <paramref name="TargetClass"/>.</summary>
public sealed record PoisonOptions(int TargetClass, double Fraction, TriggerSpec Trigger, int Seed)
{
    public void Validate(ImageSet set)
    {
        if (TargetClass < 0 || TargetClass >= set.ClassNames.Count)
            throw new InvalidInputException(null, $"poison target class {TargetClass} is outside the {set.ClassNames.Count} classes (0..{set.ClassNames.Count - 1})");
        if (!(Fraction > 0 && Fraction < 1))
            throw new InvalidInputException(null, $"poison fraction must lie strictly between 0 and 1, got {Fraction}");
        Trigger.Validate(set.Channels, set.Height, set.Width);
    }
}

/// <summary>The poisoned training set and which of its images were poisoned.</summary>
public sealed record PoisonedSet(ImageSet Data, IReadOnlyList<int> PoisonedIndices, PoisonOptions Options)
{
    public BackdoorGroundTruth GroundTruth(string modelName) =>
        new(modelName, "badnets", Options.TargetClass, Data.ClassNames[Options.TargetClass], Options.Fraction, Options.Seed,
            Options.Trigger, Data.Count, PoisonedIndices);
}

/// <summary>BadNets (Gu et al., 2017) data poisoning: stamp a trigger on some training images and relabel them.</summary>
public static class BadNets
{
    public static PoisonedSet Poison(ImageSet clean, PoisonOptions options)
    {
        options.Validate(clean);
        var candidates = Enumerable.Range(0, clean.Count).Where(i => clean.Labels[i] != options.TargetClass).ToArray();
        int count = (int)Math.Round(options.Fraction * clean.Count);
        if (count == 0) throw new InvalidInputException(null, $"a poison fraction of {options.Fraction} of {clean.Count} images poisons none");
        if (count > candidates.Length)
            throw new InvalidInputException(null, $"a poison fraction of {options.Fraction} needs {count} images outside the target class, but there are {candidates.Length}");
        new Random(options.Seed).Shuffle(candidates);
        var chosen = candidates.Take(count).Order().ToArray();

        var pixels = (float[])clean.Pixels.Clone();
        var labels = (int[])clean.Labels.Clone();
        foreach (var i in chosen)
        {
            options.Trigger.Stamp(pixels.AsSpan(i * clean.ImageSize, clean.ImageSize), clean.Channels, clean.Height, clean.Width);
            labels[i] = options.TargetClass;
        }
        return new PoisonedSet(new ImageSet(clean.Channels, clean.Height, clean.Width, pixels, labels, clean.ClassNames), chosen, options);
    }
}
