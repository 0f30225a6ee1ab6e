namespace AdvScan.Engine;

/// <summary>The model uses operators the engine cannot execute; every one is listed, with its node, before any work.</summary>
public sealed class UnsupportedModelException : InvalidInputException
{
    public UnsupportedModelException(string? file, IReadOnlyList<(string OpType, string Node)> unsupported)
        : base(file, "uses operators AdvScan cannot differentiate: " +
                     string.Join(", ", unsupported.Select(u => $"{u.OpType} (node '{u.Node}')")) +
                     ". Black-box attacks (square, transfer) still work through ONNX Runtime.")
    {
        Unsupported = unsupported;
    }

    public IReadOnlyList<(string OpType, string Node)> Unsupported { get; }
}
