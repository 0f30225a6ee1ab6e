using System;
using System.Collections.Generic;

namespace AdvScan.Analyzers;

/// <summary>
/// One failed (<c>error</c>) or near-threshold (<c>warning</c>) result of a scan's SARIF, with the model that scan
/// targeted (the run's <c>analysisTarget</c> artifact). Passing gates never appear in AdvScan's SARIF.
/// </summary>
internal sealed class SarifGate
{
    public SarifGate(string model, string ruleId, string level, string message)
    {
        Model = model;
        RuleId = ruleId;
        Level = level;
        Message = message;
    }

    public string Model { get; }
    public string RuleId { get; }
    public string Level { get; }
    public string Message { get; }

    /// <summary>The gates in one SARIF text; a file that is not AdvScan-shaped SARIF yields none (it may be another tool's).</summary>
    public static List<SarifGate> Read(string text)
    {
        var gates = new List<SarifGate>();
        object? root;
        try { root = MiniJson.Parse(text); }
        catch (FormatException) { return gates; }
        foreach (var run in Items(Member(root, "runs")))
        {
            var model = TargetOf(run);
            if (model is null) continue;
            foreach (var result in Items(Member(run, "results")))
            {
                var level = Member(result, "level") as string ?? "warning";
                if (level != "error" && level != "warning") continue;
                var message = Member(Member(result, "message"), "text") as string ?? "";
                var rule = Member(result, "ruleId") as string ?? "";
                gates.Add(new SarifGate(model, rule, level, message));
            }
        }
        return gates;
    }

    private static string? TargetOf(object? run)
    {
        foreach (var artifact in Items(Member(run, "artifacts")))
        {
            bool target = false;
            foreach (var role in Items(Member(artifact, "roles"))) target |= role as string == "analysisTarget";
            if (!target) continue;
            if (Member(Member(artifact, "location"), "uri") is string uri) return Uri.UnescapeDataString(uri);
        }
        return null;
    }

    private static object? Member(object? node, string name) =>
        node is Dictionary<string, object?> o && o.TryGetValue(name, out var v) ? v : null;

    private static IEnumerable<object?> Items(object? node) => node as List<object?> ?? new List<object?>();
}
