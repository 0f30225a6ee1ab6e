namespace AdvScan.Attacks;

/// <summary>
/// An attack's run parameters as reports show them: the keys the attack declares (<see cref="IAttackInfo.Keys"/>), in
/// its order, with the values the run used, like ART's attack_params. Reports write these and nothing else, so no
/// report shows a step count for an attack that takes none. This is the one place a settings key meets its field.
/// </summary>
public static class AttackParameters
{
    /// <summary>
    /// The value of one key: an int, a double, a bool, a string, an int[] (the grid), or null where the attack's own
    /// default applies. A surrogate is named by its file name only, never the folder it came from.
    /// </summary>
    public static object? ValueOf(AttackSettings s, string key) => key switch
    {
        AttackKeys.Steps => s.Steps,
        AttackKeys.StepSize => s.StepSize,
        AttackKeys.Restarts => s.Restarts,
        AttackKeys.RandomStart => s.RandomStart,
        AttackKeys.TargetClass => s.TargetClass,
        AttackKeys.Queries => s.Queries,
        AttackKeys.Surrogate => s.Surrogate is null ? null : Path.GetFileName(s.Surrogate),
        AttackKeys.Rotation => s.Rotation,
        AttackKeys.Translation => s.Translation,
        AttackKeys.Grid => s.GridRotations > 0 ? new[] { s.GridRotations, s.GridTranslations } : null,
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, "not an attack settings key"),
    };

    /// <summary>The declared keys with their values, in the attack's order.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Of(IEnumerable<string> keys, AttackSettings s) =>
        keys.Select(k => new KeyValuePair<string, object?>(k, ValueOf(s, k))).ToList();

    /// <summary>
    /// Settings with one key set from a value as JSON gives it (a double, a bool, a string, a double[] or null); null
    /// when the value has the wrong type or lies outside the range a config accepts for the key, so a reader can say where.
    /// </summary>
    public static AttackSettings? With(AttackSettings s, string key, object? value)
    {
        int? whole = value is double d && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue ? (int)d : null;
        return key switch
        {
            AttackKeys.Steps => whole is >= 0 and var n ? s with { Steps = n } : null,
            AttackKeys.StepSize => value is null ? s with { StepSize = null } : value is double v && double.IsFinite(v) && v > 0 ? s with { StepSize = v } : null,
            AttackKeys.Restarts => whole is >= 1 and var n ? s with { Restarts = n } : null,
            AttackKeys.RandomStart => value is bool b ? s with { RandomStart = b } : null,
            AttackKeys.TargetClass => value is null ? s with { TargetClass = null } : whole is >= 0 and var n ? s with { TargetClass = n } : null,
            AttackKeys.Queries => whole is >= 0 and var n ? s with { Queries = n } : null,
            AttackKeys.Surrogate => value is null or string ? s with { Surrogate = (string?)value } : null,
            AttackKeys.Rotation => value is null || value is double r && r is >= 0 and <= 180 ? s with { Rotation = (double?)value } : null,
            AttackKeys.Translation => value is null || value is double t && t is >= 0 and <= 10_000 ? s with { Translation = (double?)value } : null,
            AttackKeys.Grid => value switch
            {
                null => s with { GridRotations = 0, GridTranslations = 0 },
                double[] { Length: 2 } g when g.All(x => x == Math.Floor(x) && x is >= 1 and <= int.MaxValue) =>
                    s with { GridRotations = (int)g[0], GridTranslations = (int)g[1] },
                _ => null,
            },
            _ => null,
        };
    }
}
