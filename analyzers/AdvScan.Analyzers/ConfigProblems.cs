using System;
using System.Collections.Generic;
using System.Globalization;

namespace AdvScan.Analyzers;

/// <summary>
/// The advscan.json problems worth showing while the file is edited: malformed JSON, unknown keys at the top level and
/// in gates, and thresholds outside [0,1] for metrics that are shares. The lists come from the shipped schema
/// (<see cref="SchemaLists"/>), which the CLI generates from its registry; keys inside "attacks"/"checks" and a plug-in
/// check gate's own budget key are left to the CLI, which knows the registry at run time.
/// </summary>
internal static class ConfigProblems
{
    private static string[] TopLevel => SchemaLists.Current.TopLevel;
    private static string[] GateKeys => SchemaLists.Current.GateKeys;
    private static string[] FractionMetrics => SchemaLists.Current.FractionMetrics;

    /// <summary>A problem at [Start, Start+Length) of the text.</summary>
    public sealed class Problem
    {
        public Problem(int start, int length, string message) { Start = start; Length = length; Message = message; }
        public int Start { get; }
        public int Length { get; }
        public string Message { get; }
    }

    public static List<Problem> Find(string text)
    {
        var problems = new List<Problem>();
        LocatedJson root;
        try { root = LocatedJson.Parse(text); }
        catch (LocatedJson.SyntaxError e)
        {
            problems.Add(new Problem(e.Offset, 1, "advscan.json is not valid JSON: " + e.Message));
            return problems;
        }
        if (root.Members is not { } members)
        {
            problems.Add(new Problem(root.Start, 1, "advscan.json must hold a JSON object"));
            return problems;
        }
        foreach (var m in members)
            if (Array.IndexOf(TopLevel, m.Key) < 0)
                problems.Add(new Problem(m.KeyStart, m.KeyLength, $"unknown key '{m.Key}'; expected one of {string.Join(", ", TopLevel)}"));
        if (root["nearThreshold"] is { } near) Fraction(problems, near, "nearThreshold");
        if (root["gates"]?.Items is { } gates)
            foreach (var gate in gates) Gate(problems, gate);
        return problems;
    }

    private static void Gate(List<Problem> problems, LocatedJson gate)
    {
        if (gate.Members is not { } members)
        {
            problems.Add(new Problem(gate.Start, 1, "a gate must be a JSON object"));
            return;
        }
        // A check's gate may name that check's own budget key, which only the registry knows.
        bool checkGate = gate["check"] is not null;
        foreach (var m in members)
            if (!checkGate && Array.IndexOf(GateKeys, m.Key) < 0)
                problems.Add(new Problem(m.KeyStart, m.KeyLength, $"unknown gate key '{m.Key}'; expected one of {string.Join(", ", GateKeys)}"));
        if (gate["metric"]?.Value is string metric && Array.IndexOf(FractionMetrics, metric) >= 0)
        {
            if (gate["min"] is { } min) Fraction(problems, min, $"{metric} gate 'min'");
            if (gate["max"] is { } max) Fraction(problems, max, $"{metric} gate 'max'");
        }
    }

    private static void Fraction(List<Problem> problems, LocatedJson value, string what)
    {
        if (value.Value is double d && d >= 0 && d <= 1) return;
        var shown = value.Value is double x ? x.ToString("R", CultureInfo.InvariantCulture) : "a non-number";
        problems.Add(new Problem(value.Start, value.Length, $"{what} is {shown}; it is a share and must be within [0, 1]"));
    }
}
