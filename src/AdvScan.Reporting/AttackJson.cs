using System.Text.Json;
using AdvScan.Attacks;
using AdvScan.Scanning;
using Newtonsoft.Json.Linq;

namespace AdvScan.Reporting;

/// <summary>
/// The one JSON shape of an attack's parameters and of a robustness curve, shared by the scan report, `advscan attack
/// --json` and (the parameters) SARIF's result properties, so the same figure has the same name in every file.
/// </summary>
internal static class AttackJson
{
    /// <summary>"parameters": the keys the attack declares with the values the run used (<see cref="AttackParameters"/>).</summary>
    public static void WriteParameters(Utf8JsonWriter w, IReadOnlyList<string> keys, AttackSettings settings)
    {
        w.WriteStartObject("parameters");
        foreach (var (key, value) in AttackParameters.Of(keys, settings))
        {
            switch (value)
            {
                case null: w.WriteNull(key); break;
                case int i: w.WriteNumber(key, i); break;
                case double d: ScanReportJson.WriteFinite(w, key, d); break;
                case bool b: w.WriteBoolean(key, b); break;
                case string s: w.WriteString(key, s); break;
                case int[] list:
                    w.WriteStartArray(key);
                    foreach (var x in list) w.WriteNumberValue(x);
                    w.WriteEndArray();
                    break;
                default: throw new InvalidOperationException($"parameter '{key}' has a value of type {value.GetType().Name}");
            }
        }
        w.WriteEndObject();
    }

    /// <summary>Settings read back from "parameters" over <paramref name="settings"/>; returns the keys in written order.</summary>
    public static (AttackSettings Settings, IReadOnlyList<string> Keys) ReadParameters(ScanReportJson.Reader r, JObject attack, AttackSettings settings)
    {
        var parameters = r.Object(r.Required(attack, "parameters"), "parameters");
        var keys = new List<string>();
        foreach (var property in parameters.Properties())
        {
            if (!AttackKeys.All.Contains(property.Name)) throw r.Fail(property, $"\"{property.Name}\" is not an attack parameter");
            object? value = property.Value.Type switch
            {
                JTokenType.Null => null,
                JTokenType.Integer or JTokenType.Float => property.Value.Value<double>(),
                JTokenType.Boolean => property.Value.Value<bool>(),
                JTokenType.String => property.Value.Value<string>(),
                JTokenType.Array => property.Value.Select(t => r.NumberValue(t, property.Name + "[]")).ToArray(),
                _ => property.Value,
            };
            settings = AttackParameters.With(settings, property.Name, value) ?? throw r.Fail(property.Value, $"\"{property.Name}\" has a value of the wrong type or range");
            keys.Add(property.Name);
        }
        return (settings, keys);
    }

    /// <summary>"curve": one point per budget, with counts beside every proportion so shards merge exactly.</summary>
    public static void WriteCurve(Utf8JsonWriter w, IReadOnlyList<RobustnessPoint> curve)
    {
        w.WriteStartArray("curve");
        foreach (var p in curve)
        {
            w.WriteStartObject();
            w.WriteNumber("epsilon", p.Epsilon);
            ScanReportJson.WriteProportion(w, "cleanAccuracy", p.CleanAccuracy);
            ScanReportJson.WriteProportion(w, "robustAccuracy", p.RobustAccuracy);
            ScanReportJson.WriteProportion(w, "attackSuccess", p.AttackSuccess);
            // Norms describe successful examples only: with none, there is no norm to report (null, "none" in words).
            bool any = p.AttackSuccess.Successes > 0;
            ScanReportJson.WriteNullable(w, "meanPerturbation", any ? p.MeanPerturbation : null);
            // The sum is what merging needs: a mean over several shards is the sum of sums over the sum of counts.
            ScanReportJson.WriteFinite(w, "perturbationSum", ScanReportJson.PerturbationSum(p));
            ScanReportJson.WriteNullable(w, "medianPerturbation", any ? p.MedianPerturbation : null);
            w.WriteNumber("runtimeDisagreements", p.RuntimeDisagreements);
            w.WriteNumber("attacked", p.Attacked);
            if (p.Transfer is { } transfer) ScanReportJson.WriteProportion(w, "transfer", transfer); else w.WriteNull("transfer");
            ScanReportJson.WriteNullable(w, "medianQueries", p.MedianQueries);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static IReadOnlyList<RobustnessPoint> ReadCurve(ScanReportJson.Reader r, JObject attack) =>
        r.Array(attack, "curve").Select(t =>
        {
            var p = r.Object(t, "curve[]");
            return new RobustnessPoint(r.Number(p, "epsilon"), r.Proportion(p, "cleanAccuracy"), r.Proportion(p, "robustAccuracy"),
                r.Proportion(p, "attackSuccess"), r.OptionalNumber(p, "meanPerturbation") ?? 0, r.OptionalNumber(p, "medianPerturbation") ?? 0,
                r.Int(p, "runtimeDisagreements"), r.Int(p, "attacked"), r.OptionalProportion(p, "transfer"), r.OptionalNumber(p, "medianQueries"));
        }).ToList();
}
