namespace AdvScan.Checks.Poisoning;

/// <summary>
/// The leading principal directions of a set of rows, in float64: up to 256 dimensions by an exact Jacobi decomposition
/// of the covariance, above that by seeded orthogonal (subspace) iteration on the implicit covariance XᵀX followed by a
/// Rayleigh-Ritz rotation. Chosen over a library SVD because it is the same
/// arithmetic in the same order on every machine and thread count (byte-identical reports); the iteration never forms
/// the D×D covariance (a user-named conv layer may have thousands of dimensions) and the checks need only a few directions.
/// </summary>
public static class PrincipalComponents
{
    private const int Oversample = 6, MaxIterations = 300;

    /// <summary>Up to this many dimensions the covariance is formed and decomposed exactly (Jacobi), which is faster than iterating.</summary>
    private const int DirectLimit = 256;
    private const double Tolerance = 1e-10;

    /// <summary>Rows minus their mean.</summary>
    public static double[][] Centre(IReadOnlyList<double[]> rows)
    {
        int d = rows[0].Length;
        var mean = new double[d];
        foreach (var r in rows) for (int j = 0; j < d; j++) mean[j] += r[j];
        for (int j = 0; j < d; j++) mean[j] /= rows.Count;
        return rows.Select(r => { var c = new double[d]; for (int j = 0; j < d; j++) c[j] = r[j] - mean[j]; return c; }).ToArray();
    }

    /// <summary>
    /// The top <paramref name="k"/> unit directions of centred rows (largest variance first), each signed so its largest
    /// component is positive, and the variance along each.
    /// </summary>
    public static (double[][] Directions, double[] Variances) Top(IReadOnlyList<double[]> centred, int k, int seed)
    {
        int n = centred.Count, d = centred[0].Length;
        k = Math.Min(k, Math.Min(n, d));
        if (d <= DirectLimit) return Direct(centred, k);
        int m = Math.Min(d, k + Oversample);
        var random = new Random(seed);
        var basis = new double[m][];
        for (int i = 0; i < m; i++) { basis[i] = new double[d]; for (int j = 0; j < d; j++) basis[i][j] = random.NextDouble() - 0.5; }
        Orthonormalise(basis);
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            var next = basis.Select(v => Covariance(centred, v)).ToArray();
            Orthonormalise(next);
            // Converged when the leading k directions no longer move (|cos| of each with its predecessor ~ 1).
            double change = 0;
            for (int i = 0; i < k; i++) change = Math.Max(change, 1 - Math.Abs(Dot(next[i], basis[i])));
            basis = next;
            if (change < Tolerance) break;
        }
        // Rayleigh-Ritz: rotate the subspace onto the covariance's eigenvectors within it.
        var images = basis.Select(v => Covariance(centred, v)).ToArray();
        var small = new double[m, m];
        for (int a = 0; a < m; a++) for (int b = 0; b < m; b++) small[a, b] = Dot(basis[a], images[b]);
        var (values, vectors) = SymmetricEigen.Decompose(small);
        var directions = new double[k][];
        var variances = new double[k];
        for (int i = 0; i < k; i++)
        {
            var v = new double[d];
            for (int a = 0; a < m; a++) for (int j = 0; j < d; j++) v[j] += vectors[a, i] * basis[a][j];
            Normalise(v);
            directions[i] = SignFixed(v);
            variances[i] = values[i];
        }
        return (directions, variances);
    }

    /// <summary>The covariance formed (n·d² work) and fully decomposed: exact, and no convergence to wait for at small d.</summary>
    private static (double[][] Directions, double[] Variances) Direct(IReadOnlyList<double[]> centred, int k)
    {
        int d = centred[0].Length;
        var covariance = new double[d, d];
        foreach (var r in centred)
            for (int a = 0; a < d; a++)
            {
                double ra = r[a];
                if (ra == 0) continue;
                for (int b = a; b < d; b++) covariance[a, b] += ra * r[b];
            }
        for (int a = 0; a < d; a++)
            for (int b = a; b < d; b++) covariance[b, a] = covariance[a, b] /= centred.Count;
        var (values, vectors) = SymmetricEigen.Decompose(covariance);
        var directions = new double[k][];
        for (int i = 0; i < k; i++)
        {
            var v = new double[d];
            for (int j = 0; j < d; j++) v[j] = vectors[j, i];
            directions[i] = SignFixed(v);
        }
        return (directions, values.Take(k).ToArray());
    }

    /// <summary>Flips a direction so its largest component is positive: the sign an eigensolver returns is arbitrary.</summary>
    private static double[] SignFixed(double[] v)
    {
        int largest = 0;
        for (int j = 1; j < v.Length; j++) if (Math.Abs(v[j]) > Math.Abs(v[largest])) largest = j;
        if (v[largest] < 0) for (int j = 0; j < v.Length; j++) v[j] = -v[j];
        return v;
    }

    /// <summary>Each centred row's coordinates along <paramref name="directions"/>.</summary>
    public static double[][] Project(IReadOnlyList<double[]> centred, double[][] directions) =>
        centred.Select(r => directions.Select(v => Dot(r, v)).ToArray()).ToArray();

    public static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int j = 0; j < a.Length; j++) s += a[j] * b[j];
        return s;
    }

    /// <summary>(XᵀX v) / n: the covariance applied to v without forming it.</summary>
    private static double[] Covariance(IReadOnlyList<double[]> rows, double[] v)
    {
        var result = new double[v.Length];
        foreach (var r in rows)
        {
            double p = Dot(r, v);
            for (int j = 0; j < r.Length; j++) result[j] += p * r[j];
        }
        for (int j = 0; j < result.Length; j++) result[j] /= rows.Count;
        return result;
    }

    /// <summary>Modified Gram-Schmidt; a vector that collapses (rank deficiency) is replaced by a fixed unit axis then re-orthogonalised.</summary>
    private static void Orthonormalise(double[][] vectors)
    {
        for (int i = 0; i < vectors.Length; i++)
        {
            for (int attempt = 0; attempt <= vectors[i].Length; attempt++)
            {
                for (int p = 0; p < i; p++)
                {
                    double c = Dot(vectors[i], vectors[p]);
                    for (int j = 0; j < vectors[i].Length; j++) vectors[i][j] -= c * vectors[p][j];
                }
                if (Normalise(vectors[i]) > 1e-12) break;
                Array.Clear(vectors[i]);
                vectors[i][(i + attempt) % vectors[i].Length] = 1;
            }
        }
    }

    private static double Normalise(double[] v)
    {
        double norm = Math.Sqrt(Dot(v, v));
        if (norm > 1e-12) for (int j = 0; j < v.Length; j++) v[j] /= norm;
        return norm;
    }
}
