namespace AdvScan.Engine;

/// <summary>How an ONNX model becomes a differentiable graph.</summary>
/// <param name="Device">"cpu" (default) or "cuda"; see <see cref="ComputeDevice.Resolve"/>.</param>
/// <param name="TrainableInitializers">
/// Float initializers become parameters with gradients (training, hardening). Off by default: attacks need input
/// gradients only, and frozen weights also let the importer fold weight-only subgraphs to constants.
/// </param>
public sealed record ImportOptions(string Device = "cpu", bool TrainableInitializers = false)
{
    public static ImportOptions Default { get; } = new();
}
