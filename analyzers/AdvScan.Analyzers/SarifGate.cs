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
        LocatedJson root;
        // The analyzers' one JSON reader (the config analyzer's): positions are simply not needed here.
        try { root = LocatedJson.Parse(text); }
        catch (LocatedJson.SyntaxError) { return gates; }
        foreach (var run in Items(root["runs"]))
        {
            var model = TargetOf(run);
            if (model is null) continue;
            foreach (var result in Items(run["results"]))
            {
                var level = result["level"]?.Value as string ?? "warning";
                if (level != "error" && level != "warning") continue;
                var message = result["message"]?["text"]?.Value as string ?? "";
                var rule = result["ruleId"]?.Value as string ?? "";
                gates.Add(new SarifGate(model, rule, level, message));
            }
        }
        return gates;
    }

    private static string? TargetOf(LocatedJson run)
    {
        foreach (var artifact in Items(run["artifacts"]))
        {
            bool target = false;
            foreach (var role in Items(artifact["roles"])) target |= role.Value as string == "analysisTarget";
            if (!target) continue;
            if (artifact["location"]?["uri"]?.Value is string uri) return Uri.UnescapeDataString(uri);
        }
        return null;
    }

    private static List<LocatedJson> Items(LocatedJson? node) => node?.Items ?? new List<LocatedJson>();
}
