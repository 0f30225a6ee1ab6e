using AdvScan.Checks.Poisoning;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Tests.Poisoning;

public class PoisonMathTests : IDisposable
{
    // Each test writes its files here; the folder goes with the test instead of piling up in the temp folder.
    private readonly string folder = Directory.CreateTempSubdirectory("advscan-poison-config").FullName;

    [Fact]
    public void Jacobi_recovers_the_eigenvalues_of_a_matrix_built_from_known_ones()
    {
        // Q diag(5, 2, 1) Qᵀ with Q a rotation: the eigenvalues are 5, 2, 1 and Q's columns the eigenvectors.
        double c = Math.Cos(0.7), s = Math.Sin(0.7);
        double[,] q = { { c, -s, 0 }, { s, c, 0 }, { 0, 0, 1 } };
        double[] lambda = [5, 2, 1];
        var m = new double[3, 3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 3; k++) m[i, j] += q[i, k] * lambda[k] * q[j, k];
        var (values, vectors) = SymmetricEigen.Decompose(m);
        Assert.Equal(lambda, values.Select(v => Math.Round(v, 10)));
        Assert.Equal(1, Math.Abs(vectors[0, 0] * c + vectors[1, 0] * s), 10);
    }

    [Fact]
    public void Principal_components_of_points_with_known_axis_variances_come_out_in_order()
    {
        // Points spread along a tilted direction with variance 9, and 1 across it, plus 0.25 on a third axis.
        var random = new Random(1);
        var u = new[] { 0.6, 0.8, 0 };
        var rows = Enumerable.Range(0, 4000).Select(_ =>
        {
            double a = 3 * Gaussian(random), b = Gaussian(random), z = 0.5 * Gaussian(random);
            return new[] { a * u[0] - b * u[1], a * u[1] + b * u[0], z };
        }).ToArray();
        var (directions, variances) = PrincipalComponents.Top(PrincipalComponents.Centre(rows), 2, seed: 5);
        Assert.Equal(1, Math.Abs(PrincipalComponents.Dot(directions[0], u)), 2);
        Assert.InRange(variances[0], 8.5, 9.5);
        Assert.InRange(variances[1], 0.9, 1.1);
        Assert.Equal(directions[0], PrincipalComponents.Top(PrincipalComponents.Centre(rows), 2, seed: 5).Directions[0]);
    }

    [Fact]
    public void Above_256_dimensions_the_iterative_path_finds_the_same_leading_direction()
    {
        // 300 dimensions: variance 9 along a fixed unit vector, 1 along the first axis, 0.01 elsewhere.
        var random = new Random(3);
        var u = Enumerable.Range(0, 300).Select(j => j is 5 or 6 ? Math.Sqrt(0.5) : 0.0).ToArray();
        var rows = Enumerable.Range(0, 600).Select(_ =>
        {
            double a = 3 * Gaussian(random);
            var r = Enumerable.Range(0, 300).Select(j => a * u[j] + 0.1 * Gaussian(random)).ToArray();
            r[0] += Gaussian(random);
            return r;
        }).ToArray();
        var (directions, variances) = PrincipalComponents.Top(PrincipalComponents.Centre(rows), 2, seed: 1);
        Assert.Equal(1, Math.Abs(PrincipalComponents.Dot(directions[0], u)), 2);
        Assert.Equal(1, Math.Abs(directions[1][0]), 1);
        Assert.InRange(variances[0], 8, 10);
    }

    [Fact]
    public void Two_means_separates_two_blobs_and_ashman_d_reads_their_distance_over_their_spread()
    {
        var random = new Random(2);
        // 60 points at x ~ N(0, 1), 40 at x ~ N(10, 1): D = sqrt(2) * 10 / sqrt(1 + 1) = 10.
        var points = Enumerable.Range(0, 100).Select(i => new[] { (i < 60 ? 0 : 10) + Gaussian(random), 0.1 * Gaussian(random) }).ToArray();
        var split = TwoMeans.Fit(points, seed: 1);
        Assert.Equal(40, split.Count(split.Minority));
        Assert.All(Enumerable.Range(60, 40), i => Assert.Equal(split.Minority, split.Assignment[i]));
        Assert.InRange(ClassSeparation.AshmanD(points, split.Assignment), 8.5, 11.5);
        Assert.InRange(Silhouette.Mean(points, split.Assignment), 0.8, 1.0);
        // One Gaussian blob split in two: D near the 2.65 of a halved normal, far below the flagging threshold.
        var blob = Enumerable.Range(0, 2000).Select(_ => new[] { Gaussian(random) }).ToArray();
        Assert.InRange(ClassSeparation.AshmanD(blob, TwoMeans.Fit(blob, seed: 1).Assignment), 2.4, 2.9);
    }

    [Fact]
    public void The_exclusion_list_is_the_suspects_dataset_indices_ascending_one_per_line()
    {
        var result = new PoisoningResult("layer", 64, 10, ["a", "b"], [],
            [new SuspectedSample(7, "f[7]", 1, 2.0, ["clustering"]), new SuspectedSample(3, "f[3]", 1, 1.0, ["spectral"])], null);
        Assert.Equal("3\n7\n", result.ExclusionList());
    }

    [Fact]
    public void Config_keys_are_read_with_their_ranges_and_a_bad_value_fails_on_its_line()
    {
        var config = Path.Combine(folder, "advscan.json");
        System.IO.File.WriteAllText(Path.Combine(folder, "train.npy"), "");
        var check = new PoisoningCheck();
        var settings = (PoisoningSettings)check.Configure(ConfigSection.Parse(config,
            "{ \"data\": \"train.npy\", \"method\": \"spectral\", \"expectedPoisonRate\": 0.2, \"flagShare\": 2, \"layer\": \"fc1\", \"dimensions\": 5 }"));
        Assert.Equal(new PoisoningSettings(Path.Combine(folder, "train.npy"), Method: PoisonMethod.Spectral, ExpectedPoisonRate: 0.2, FlagShare: 2, Layer: "fc1", Dimensions: 5), settings);
        var e = Assert.Throws<InvalidInputException>(() => check.Configure(ConfigSection.Parse(config, "{\n  \"data\": \"train.npy\",\n  \"method\": \"kmeans\"\n}")));
        Assert.Equal(3, e.Line);
        Assert.Contains("clustering, spectral, both", e.Problem);
        Assert.Equal(4, check.Keys.Count(k => k.Name is "data" or "labels" or "truth" or "layer"));
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
