using AdvScan.Attacks;

namespace AdvScan.Scanning;

/// <summary>The one spelling of norms in configs, on the command line and in reports: "linf" and "l2".</summary>
public static class NormNames
{
    public static string Of(Norm norm) => norm == Norm.L2 ? "l2" : "linf";

    public static Norm? Parse(string text) => text switch
    {
        "linf" => Norm.LInf,
        "l2" => Norm.L2,
        _ => null,
    };
}
