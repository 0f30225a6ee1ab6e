using System.Text.Json;
using System.Text.Json.Serialization;

namespace AdvScan.Data;

// Ground truth of planted backdoors: written by the trainer beside a poisoned model, read by the detectors' checks and
// their tests. It lives with the data so that checks read it without depending on the trainer.

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
