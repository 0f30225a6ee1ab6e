namespace AdvScan.Scanning;

/// <summary>
/// ONNX Runtime returned NaN or infinite outputs for the scanned model (<see cref="DiagnosticIds.NonFiniteOutputs"/>).
/// Such outputs have no argmax: counted as class 0 they made a broken model score 10% accuracy and a model that turns
/// NaN on perturbed inputs look unbreakable. So they are a finding that fails the run (exit 1), never a prediction.
/// </summary>
public sealed class NonFiniteOutputsException(string model, int rows, int total)
    : Exception($"ONNX Runtime returned NaN or infinite outputs for {rows} of {total} input(s) in a batch; AdvScan cannot judge this model's predictions (a broken or hostile model)")
{
    /// <summary>The model's file, for the located line.</summary>
    public string Model { get; } = model;

    public string DiagnosticId => DiagnosticIds.NonFiniteOutputs;

    /// <summary>The one line the CLI prints: <c>model: error ADV1018: ...</c>.</summary>
    public string Line(string? where = null) => $"{where ?? Model}: error {DiagnosticId}: {(where is null ? "" : Model + ": ")}{Message}";
}
