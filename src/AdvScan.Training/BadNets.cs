using System.Text.Json;
using System.Text.Json.Serialization;

namespace AdvScan.Training;

[JsonConverter(typeof(JsonStringEnumConverter<TriggerPattern>))]
public enum TriggerPattern
{
    /// <summary>Every trigger pixel takes the trigger value.</summary>
    Solid,
    /// <summary>Alternating trigger value and 0, starting with the value at the patch's top-left pixel.</summary>
    Checker,
}

/// <summary>
/// A BadNets trigger: a square patch of <paramref name="Size"/> pixels whose top-left corner is at (X, Y), painted with
/// <paramref name="Pattern"/>; <paramref name="Values"/> gives the "on" intensity per channel (one value per channel,
/// or a single value for all channels).
/// </summary>
public sealed record TriggerSpec(int Size, int X, int Y, TriggerPattern Pattern, IReadOnlyList<float> Values)
{
    public void Validate(int channels, int height, int width)
    {
        if (Size < 1) throw new InvalidInputException(null, $"trigger size must be at least 1, got {Size}");
        if (X < 0 || Y < 0 || X + Size > width || Y + Size > height)
            throw new InvalidInputException(null, $"a {Size}x{Size} trigger at ({X},{Y}) does not fit in {width}x{height} images");
        if (Values.Count != 1 && Values.Count != channels)
            throw new InvalidInputException(null, $"trigger has {Values.Count} channel values but the images have {channels} channels");
        if (Values.Any(v => !(v >= 0 && v <= 1)))
            throw new InvalidInputException(null, "trigger values must lie in [0,1] pixel space");
    }

    /// <summary>Paints the trigger onto one [channels, height, width] image.</summary>
    public void Stamp(Span<float> image, int channels, int height, int width)
    {
        for (int c = 0; c < channels; c++)
        {
            float on = Values.Count == 1 ? Values[0] : Values[c];
            for (int dy = 0; dy < Size; dy++)
                for (int dx = 0; dx < Size; dx++)
                    image[c * height * width + (Y + dy) * width + X + dx] = Pattern == TriggerPattern.Solid || (dx + dy) % 2 == 0 ? on : 0f;
        }
    }

    /// <summary>A copy of <paramref name="set"/> with the trigger on every image (labels unchanged).</summary>
    public ImageSet StampAll(ImageSet set)
    {
        Validate(set.Channels, set.Height, set.Width);
        var pixels = (float[])set.Pixels.Clone();
        for (int i = 0; i < set.Count; i++) Stamp(pixels.AsSpan(i * set.ImageSize, set.ImageSize), set.Channels, set.Height, set.Width);
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

/// <summary>
/// The ground truth of a backdoored model, saved as JSON beside it so that detectors can be tested against the truth.
/// </summary>
public sealed record BackdoorGroundTruth(
    string Model, string Attack, int TargetClass, string TargetClassName, double Fraction, int Seed,
    TriggerSpec Trigger, int TrainingImages, IReadOnlyList<int> PoisonedIndices)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public void Save(string path) => TrustBoundary.WriteAllText(path, ToJson() + "\n");

    public static BackdoorGroundTruth Load(string path)
    {
        try
        {
            var bytes = TrustBoundary.ReadAllBytes(path, ResourceLimits.Current.MaxConfigBytes, "ground truth file");
            return JsonSerializer.Deserialize<BackdoorGroundTruth>(bytes, Json)
                ?? throw new InvalidInputException(path, "ground truth file is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException(path, $"not a backdoor ground truth file: {e.Message}", (int?)(e.LineNumber + 1), e);
        }
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
