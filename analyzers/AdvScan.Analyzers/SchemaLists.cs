using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace AdvScan.Analyzers;

/// <summary>
/// The key and metric lists the config analyzer checks against, read from the shipped advscan.json schema (embedded
/// at build time from src/AdvScan.Scanning/advscan.schema.json, which <c>advscan schema</c> generates from the
/// registry and a test keeps current). The analyzer holds no list of its own, so a gate key or metric a check adds
/// (the patch check's "area", the corruption check's "severity") is known to the editor as soon as it is in the schema.
/// </summary>
internal sealed class SchemaLists
{
    private static readonly Lazy<SchemaLists> Shipped = new(Load);

    public static SchemaLists Current => Shipped.Value;

    private SchemaLists(string[] topLevel, string[] gateKeys, string[] fractionMetrics)
    {
        TopLevel = topLevel;
        GateKeys = gateKeys;
        FractionMetrics = fractionMetrics;
    }

    /// <summary>Keys allowed at the top of advscan.json.</summary>
    public string[] TopLevel { get; }

    /// <summary>Keys allowed in a gate.</summary>
    public string[] GateKeys { get; }

    /// <summary>Metrics that are shares: their gate thresholds must lie in [0, 1].</summary>
    public string[] FractionMetrics { get; }

    private static SchemaLists Load()
    {
        using var stream = typeof(SchemaLists).Assembly.GetManifestResourceStream("AdvScan.Analyzers.advscan.schema.json")
            ?? throw new InvalidOperationException("the analyzer was built without its embedded advscan.schema.json");
        using var reader = new StreamReader(stream);
        var schema = LocatedJson.Parse(reader.ReadToEnd());
        var gate = schema["definitions"]?["gate"];
        return new SchemaLists(
            Keys(schema["properties"]),
            Keys(gate?["properties"]),
            FractionsOf(gate));
    }

    private static string[] Keys(LocatedJson? properties) =>
        properties?.Members?.Select(m => m.Key).ToArray() ?? Array.Empty<string>();

    /// <summary>
    /// The schema states "thresholds of proportions are in [0,1]" in the gate's allOf as anyOf [metric not in SHARES,
    /// min and max are fractions]: SHARES, the enum under the first branch's "not", is the list.
    /// </summary>
    private static string[] FractionsOf(LocatedJson? gate)
    {
        foreach (var rule in gate?["allOf"]?.Items ?? new List<LocatedJson>())
            foreach (var branch in rule["anyOf"]?.Items ?? new List<LocatedJson>())
                if (branch["properties"]?["min"] is not null && branch["properties"]?["max"] is not null)
                    return rule["anyOf"]!.Items![0]["properties"]?["metric"]?["not"]?["enum"]?.Items?
                        .Select(i => i.Value as string).Where(s => s is not null).Select(s => s!).ToArray() ?? Array.Empty<string>();
        return Array.Empty<string>();
    }
}
