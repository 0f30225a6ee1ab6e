using AdvScan.Attacks;

namespace AdvScan.Scanning;

/// <summary>The size of a perturbation as the evaluation measures it: L-inf or L2 of a - b over all values, in double.</summary>
public static class PerturbationSize
{
    public static double Of(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Norm norm)
    {
        double result = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs((double)a[i] - b[i]);
            result = norm == Norm.LInf ? Math.Max(result, d) : result + d * d;
        }
        return norm == Norm.LInf ? result : Math.Sqrt(result);
    }
}
