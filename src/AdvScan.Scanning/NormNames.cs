using AdvScan.Attacks;

namespace AdvScan.Scanning;

/// <summary>The one spelling of norms in configs, on the command line and in reports: "linf", "l2" and "spatial".</summary>
public static class NormNames
{
    public static string Of(Norm norm) => norm switch { Norm.L2 => "l2", Norm.Spatial => "spatial", _ => "linf" };

    public static Norm? Parse(string text) => text switch
    {
        "linf" => Norm.LInf,
        "l2" => Norm.L2,
        "spatial" => Norm.Spatial,
        _ => null,
    };
}
