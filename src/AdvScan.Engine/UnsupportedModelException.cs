using System.Globalization;

namespace AdvScan.Engine;

/// <summary>
/// The model uses operators the engine cannot execute. The message names each operator once, with how many nodes use
/// it and the first of them (Swin's 45 ScatterND nodes made a 3.3 KB line when every node was listed); the full list
/// stays in <see cref="Unsupported"/> for callers that want it.
/// </summary>
public sealed class UnsupportedModelException : InvalidInputException
{
    /// <summary>Operator types named in the message; more are summarised as a count.</summary>
    internal const int ListedOperators = 4;
    /// <summary>Node names come from the file: escaped and cut so one hostile name cannot make a long line.</summary>
    internal const int NodeNameLength = 40;

    public UnsupportedModelException(string? file, IReadOnlyList<(string OpType, string Node)> unsupported)
        : this(file, unsupported, Summarize(unsupported))
    {
    }

    private UnsupportedModelException(string? file, IReadOnlyList<(string OpType, string Node)> unsupported, string operators)
        : base(file, $"uses operators AdvScan cannot differentiate: {operators}; black-box attacks (square, transfer) still work through ONNX Runtime")
    {
        Unsupported = unsupported;
        Operators = operators;
    }

    /// <summary>Each operator once with its count and first node, e.g. <c>ScatterND x45 (first 'node')</c>; at most a few types.</summary>
    public string Operators { get; }

    /// <summary>Every unsupported node, in graph order.</summary>
    public IReadOnlyList<(string OpType, string Node)> Unsupported { get; }

    private static string Summarize(IReadOnlyList<(string OpType, string Node)> unsupported)
    {
        var groups = unsupported.GroupBy(u => u.OpType, StringComparer.Ordinal).ToList();
        var listed = groups.Take(ListedOperators).Select(g => string.Create(CultureInfo.InvariantCulture,
            $"{UntrustedText.Escape(g.Key, NodeNameLength)} x{g.Count()} (first '{UntrustedText.Escape(g.First().Node, NodeNameLength)}')"));
        var more = groups.Count > ListedOperators ? string.Create(CultureInfo.InvariantCulture, $" and {groups.Count - ListedOperators} more operator type(s)") : "";
        return string.Join(", ", listed) + more;
    }
}
