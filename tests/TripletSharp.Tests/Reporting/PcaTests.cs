using TripletSharp.Reporting;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Reporting;

/// <summary>PCA against a double-precision reference: covariance by loops, eigenvectors by cyclic Jacobi rotations.</summary>
public class PcaTests
{
    /// <summary>Eigenvalues (descending) and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi.</summary>
    internal static (double[] Values, double[,] Vectors) JacobiEigen(double[,] a0)
    {
        int n = a0.GetLength(0);
        var a = (double[,])a0.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++) v[i, i] = 1;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++) for (int q = p + 1; q < n; q++) off += a[p, q] * a[p, q];
            if (off < 1e-30) break;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                {
                    if (Math.Abs(a[p, q]) < 1e-300) continue;
                    double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = c * akp - s * akq; a[k, q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk; a[q, k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq; v[k, q] = s * vkp + c * vkq;
                    }
                }
        }
        var order = Enumerable.Range(0, n).OrderByDescending(i => a[i, i]).ToArray();
        var values = order.Select(i => a[i, i]).ToArray();
        var vectors = new double[n, n];
        for (int j = 0; j < n; j++) for (int k = 0; k < n; k++) vectors[k, j] = v[k, order[j]];
        return (values, vectors);
    }

    private static double[][] Anisotropic(int n, int seed)
    {
        // Independent axes with spreads 5, 3, 1, 0.5, 0.2, mixed by a fixed rotation-like matrix; a duplicate row.
        var rng = new Random(seed);
        double[] scale = [5, 3, 1, 0.5, 0.2];
        var mix = new double[5, 5];
        for (int i = 0; i < 5; i++) for (int j = 0; j < 5; j++) mix[i, j] = rng.NextDouble() - 0.5 + (i == j ? 1.5 : 0);
        var x = new double[n][];
        for (int r = 0; r < n; r++)
        {
            var z = scale.Select(s => s * ReportTestData.Normal(rng)).ToArray();
            x[r] = Enumerable.Range(0, 5).Select(j => Enumerable.Range(0, 5).Sum(i => z[i] * mix[i, j]) + 3).ToArray();
        }
        x[n - 1] = (double[])x[0].Clone();
        return x;
    }

    [Fact]
    public void ProjectionMatchesTheDoublePrecisionReference()
    {
        var x = Anisotropic(60, 1);
        int n = x.Length, d = 5;
        var mean = Enumerable.Range(0, d).Select(j => x.Average(r => r[j])).ToArray();
        var cov = new double[d, d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
            {
                double s = 0;
                for (int r = 0; r < n; r++) s += (x[r][i] - mean[i]) * (x[r][j] - mean[j]);
                cov[i, j] = s / (n - 1);
            }
        var (values, vectors) = JacobiEigen(cov);

        using var scope = NewDisposeScope();
        var t = tensor(x.SelectMany(r => r).ToArray(), [n, d]);
        var (proj, ratio) = Pca.Fit(t, 2);
        Assert.Equal(ScalarType.Float64, proj.dtype);
        var p = proj.data<double>().ToArray();
        for (int c = 0; c < 2; c++)
        {
            var reference = x.Select(r => Enumerable.Range(0, d).Sum(j => (r[j] - mean[j]) * vectors[j, c])).ToArray();
            // Eigenvectors are defined up to sign; the implementation's sign rule is checked separately.
            double sign = Math.Sign(Enumerable.Range(0, n).Sum(r => reference[r] * p[r * 2 + c]));
            for (int r = 0; r < n; r++) Assert.Equal(reference[r] * sign, p[r * 2 + c], 9);
            Assert.Equal(values[c] / values.Sum(), ratio[c], 9);
        }
    }

    [Fact]
    public void SignRuleMakesTheLargestCoefficientPositiveAndIgnoresRowOrder()
    {
        var x = Anisotropic(40, 2);
        using var scope = NewDisposeScope();
        var t = tensor(x.SelectMany(r => r).ToArray(), [x.Length, 5]);
        var p = Pca.Project(t);
        var reversed = Pca.Project(t.flip(0)).flip(0);
        Assert.True(p.allclose(reversed, 1e-9, 1e-9));
        // Recover each axis by least squares from the centred data: a = (XᵀX)⁻¹ Xᵀ p.
        var centred = t - t.mean([0], keepdim: true);
        var axes = linalg.lstsq(centred, p).Solution;
        for (int c = 0; c < 2; c++)
        {
            var axis = axes[.., c];
            var big = axis.abs().argmax().item<long>();
            Assert.True(axis[big].item<double>() > 0);
            Assert.Equal(1.0, axis.norm().item<double>(), 6);
        }
    }

    [Fact]
    public void LowDimensionalAndConstantDataGiveZeroAxes()
    {
        using var scope = NewDisposeScope();
        var oneD = tensor(new float[] { 1, 2, 4, 8 }, [4, 1]);
        var p = Pca.Project(oneD);
        Assert.Equal(new long[] { 4, 2 }, p.shape);
        // One axis, coefficient +1 by the sign rule: the projection is the centred data (mean 3.75).
        Assert.Equal(new[] { -2.75f, -1.75f, 0.25f, 4.25f }, p[.., 0].data<float>().ToArray());
        Assert.All(p[.., 1].data<float>().ToArray(), v => Assert.Equal(0f, v));
        var constant = ones(5, 3);
        Assert.All(Pca.Project(constant).data<float>().ToArray(), v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => Pca.Project(oneD, 0));
    }
}
