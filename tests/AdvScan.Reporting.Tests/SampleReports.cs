using AdvScan.Attacks;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using AdvScan.Scanning.Configuration;

namespace AdvScan.Reporting.Tests;

/// <summary>
/// Reports built from counts the tests control, shaped like a real MNIST-style scan: two attacks over several
/// budgets, gates that pass, sit near the threshold and fail, per-class figures and a small gallery.
/// </summary>
internal static class SampleReports
{
    public const string Root = "/repo";
    public const string ConfigFile = "/repo/models/advscan.json";
    public const string ModelFile = "/repo/models/mnist.onnx";
    public const string Sha256 = "3f1c9a7e2b5d4c6f8a0e1d2c3b4a59687766554433221100ffeeddccbbaa9988";
    public const double Near = 0.02;

    public static readonly AttackConfig Pgd = new("pgd", "pgd", [0.0, 0.1, 0.2, 0.3], new AttackSettings(Norm.LInf, 0.3, 40, null, 1, true, null, 5000), 14);
    public static readonly AttackConfig Square = new("square-l2", "square", [0.5, 1.0, 2.0], new AttackSettings(Norm.L2, 2.0, 0, null, 1, true, null, 1000), 22);

    public static readonly GateConfig CleanGate = new("clean", "cleanAccuracy", null, null, 0.9, null, GateBound.Point, 31);
    public static readonly GateConfig RobustGate = new("robust-pgd", "robustAccuracy", "pgd", 0.3, 0.7, null, GateBound.Confidence, 32);
    public static readonly GateConfig SuccessGate = new("success-square", "attackSuccess", "square-l2", 2.0, null, 0.52, GateBound.Point, 33);
    public static readonly GateConfig DisagreementGate = new("disagree", "runtimeDisagreement", "pgd", 0.3, null, 0.05, GateBound.Point, 34);

    /// <summary>Counts of one shard; the full sample is shard A plus shard B.</summary>
    public sealed record Counts(int Examples, int Correct, int[] PgdRobust, int[] SquareRobust, double[] PgdNormSums, double[] SquareNormSums,
        int[] PgdDisagreements, int[] PerClassCorrect, int[] PerClassRobust, int[] PerClassTotal);

    public static readonly Counts ShardA = new(100, 98, [98, 70, 40, 22], [90, 75, 47], [0, 6, 16, 22.5], [3, 11, 43],
        [0, 1, 2, 3], [49, 49], [12, 10], [50, 50]);

    public static readonly Counts ShardB = new(60, 59, [59, 45, 25, 16], [55, 40, 30], [0, 4, 8.5, 12], [1.5, 19, 28.75],
        [0, 0, 1, 1], [30, 29], [8, 8], [30, 30]);

    public static Counts Union(Counts a, Counts b)
    {
        static int[] Add(int[] x, int[] y) => x.Zip(y, (p, q) => p + q).ToArray();
        static double[] AddD(double[] x, double[] y) => x.Zip(y, (p, q) => p + q).ToArray();
        return new(a.Examples + b.Examples, a.Correct + b.Correct, Add(a.PgdRobust, b.PgdRobust), Add(a.SquareRobust, b.SquareRobust),
            AddD(a.PgdNormSums, b.PgdNormSums), AddD(a.SquareNormSums, b.SquareNormSums), Add(a.PgdDisagreements, b.PgdDisagreements),
            Add(a.PerClassCorrect, b.PerClassCorrect), Add(a.PerClassRobust, b.PerClassRobust), Add(a.PerClassTotal, b.PerClassTotal));
    }

    /// <summary>The whole sample: 160 examples.</summary>
    public static ScanReport Full(IReadOnlyList<ExampleImage>? gallery = null) => Build(Union(ShardA, ShardB), gallery ?? Gallery());

    public static ScanReport Build(Counts n, IReadOnlyList<ExampleImage> gallery)
    {
        var clean = Proportion.Of(n.Correct, n.Examples);
        var pgd = Attack(Pgd, n, n.PgdRobust, n.PgdNormSums, n.PgdDisagreements, medianMinimal: 0.21, transfer: null);
        var square = Attack(Square, n, n.SquareRobust, n.SquareNormSums, new int[3], medianMinimal: null, transfer: null);
        var pgdStrongest = pgd.Result.Curve[^1];
        var squareStrongest = square.Result.Curve[^1];
        var gates = new List<GateResult>
        {
            GateJudge.Judge(CleanGate, ScanMetrics.CleanAccuracy, MetricValue.Of("cleanAccuracy", clean), Near),
            GateJudge.Judge(RobustGate, ScanMetrics.RobustAccuracy, MetricValue.Of("robustAccuracy", pgdStrongest.RobustAccuracy, 0.3), Near),
            GateJudge.Judge(SuccessGate, ScanMetrics.AttackSuccess, MetricValue.Of("attackSuccess", squareStrongest.AttackSuccess, 2.0), Near),
            GateJudge.Judge(DisagreementGate, ScanMetrics.RuntimeDisagreement, MetricValue.Of("runtimeDisagreement", Proportion.Of(pgdStrongest.RuntimeDisagreements, n.Correct), 0.3), Near),
        };
        var perClass = Enumerable.Range(0, 2).Select(c => new ClassAccuracy(c, ClassNames[c],
            Proportion.Of(n.PerClassCorrect[c], n.PerClassTotal[c]), Proportion.Of(n.PerClassRobust[c], n.PerClassTotal[c]))).ToList();
        return new ScanReport("0.1.0", ConfigFile, ModelFile, Sha256, "/repo/data/mnist-test.npy", n.Examples, 1234, "cpu",
            ClassNames, clean, [pgd, square], gates, perClass, gallery) { Rules = [GateRule.CleanAccuracy, GateRule.RobustAccuracy, GateRule.AttackSuccess, GateRule.RuntimeDisagreement] };
    }

    public static readonly string[] ClassNames = ["zero", "one"];

    private static AttackReport Attack(AttackConfig config, Counts n, int[] robust, double[] normSums, int[] disagreements, double? medianMinimal, double? transfer)
    {
        var clean = Proportion.Of(n.Correct, n.Examples);
        var curve = config.Epsilons.Select((eps, b) =>
        {
            int fooled = n.Correct - robust[b];
            return new RobustnessPoint(eps, clean, Proportion.Of(robust[b], n.Examples), Proportion.Of(fooled, n.Correct),
                fooled == 0 ? 0 : normSums[b] / fooled, fooled == 0 ? 0 : normSums[b] / fooled * 0.9, disagreements[b], n.Correct);
        }).ToList();
        var result = new RobustnessResult(config.Attack, config.Norm, config.ToSettings(1234), curve, medianMinimal, 40L * n.Examples, 0);
        IAttackInfo attack = config.Attack == "pgd" ? new Pgd() : new SquareAttack();
        return new AttackReport(config, result, transfer) { Description = attack.Describe(config.Settings), Keys = attack.Keys };
    }

    /// <summary>Two 28x28 grayscale digits and one 32x32 RGB image, with a visible stripe perturbation.</summary>
    public static IReadOnlyList<ExampleImage> Gallery()
    {
        static float[] Digit(bool one)
        {
            var p = new float[28 * 28];
            for (int y = 4; y < 24; y++)
                for (int x = 4; x < 24; x++)
                {
                    double r = Math.Sqrt((x - 13.5) * (x - 13.5) + (y - 13.5) * (y - 13.5));
                    p[y * 28 + x] = one ? (Math.Abs(x - 14) <= 1 ? 1f : 0f) : (r is > 6 and < 9 ? 1f : 0f);
                }
            return p;
        }
        static float[] Perturb(float[] clean, float eps, int stride)
        {
            var p = (float[])clean.Clone();
            for (int i = 0; i < p.Length; i++) p[i] = Math.Clamp(p[i] + ((i / stride) % 2 == 0 ? eps : -eps), 0f, 1f);
            return p;
        }
        var rgb = new float[3 * 32 * 32];
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
            {
                rgb[y * 32 + x] = x / 31f;
                rgb[1024 + y * 32 + x] = y / 31f;
                rgb[2048 + y * 32 + x] = (x + y) % 8 < 4 ? 0.8f : 0.2f;
            }
        var zero = Digit(false);
        var one = Digit(true);
        return
        [
            new ExampleImage(0, zero, Perturb(zero, 0.3f, 3), [1, 28, 28], 0, 0.99f, 1, 0.87f),
            new ExampleImage(1, one, Perturb(one, 0.1f, 28), [1, 1, 28, 28], 1, 0.97f, 1, 0.64f),
            new ExampleImage(1, rgb, Perturb(rgb, 0.03f, 5), [3, 32, 32], 1, 0.91f, 0, 0.55f),
        ];
    }
}
