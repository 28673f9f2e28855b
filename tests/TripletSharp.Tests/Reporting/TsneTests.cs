using TripletSharp.Reporting;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Reporting;

/// <summary>t-SNE against double-loop references: the perplexity search, the joint P, the KL gradient, and a clustering outcome.</summary>
public class TsneTests
{
    /// <summary>Tiny data with a duplicate row and two points equidistant from a third.</summary>
    private static double[][] Tiny() =>
    [
        [0, 0, 0], [1, 0, 0], [-1, 0, 0], [0, 2, 0], [0, 2, 0], [3, 1, 1], [0.5, -0.5, 2], [-2, -2, -1], [4, 4, 0],
    ];

    private static double SqDist(double[] a, double[] b) => a.Zip(b, (u, v) => (u - v) * (u - v)).Sum();

    /// <summary>Reference: for each row, bisection on β from 1 (×2 / ÷2 until bracketed) to entropy log(perplexity) within 1e-5.</summary>
    private static double[,] ReferenceConditional(double[][] x, double perplexity)
    {
        int n = x.Length;
        var p = new double[n, n];
        double target = Math.Log(perplexity);
        for (int i = 0; i < n; i++)
        {
            double beta = 1, lo = double.NegativeInfinity, hi = double.PositiveInfinity;
            var row = new double[n];
            for (int step = 0; step < 100; step++)
            {
                double sum = 0;
                for (int j = 0; j < n; j++) { row[j] = j == i ? 0 : Math.Exp(-SqDist(x[i], x[j]) * beta); sum += row[j]; }
                double h = 0;
                for (int j = 0; j < n; j++) { row[j] /= sum; if (row[j] > 0) h -= row[j] * Math.Log(row[j]); }
                if (Math.Abs(h - target) <= 1e-5) break;
                if (h > target) { lo = beta; beta = double.IsPositiveInfinity(hi) ? beta * 2 : (beta + hi) / 2; }
                else { hi = beta; beta = double.IsNegativeInfinity(lo) ? beta / 2 : (beta + lo) / 2; }
            }
            for (int j = 0; j < n; j++) p[i, j] = row[j];
        }
        return p;
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(2.5)]
    public void ConditionalProbabilitiesMatchTheDoubleLoop(double perplexity)
    {
        var x = Tiny();
        int n = x.Length;
        var reference = ReferenceConditional(x, perplexity);
        using var scope = NewDisposeScope();
        var t = tensor(x.SelectMany(r => r).ToArray(), [n, 3]);
        var p = Tsne.ConditionalProbabilities(Tsne.SquaredDistances(t), perplexity);
        var got = p.data<double>().ToArray();
        for (int i = 0; i < n; i++)
        {
            double h = 0, sum = 0;
            for (int j = 0; j < n; j++)
            {
                Assert.Equal(reference[i, j], got[i * n + j], 6);
                sum += got[i * n + j];
                if (got[i * n + j] > 0) h -= got[i * n + j] * Math.Log(got[i * n + j]);
            }
            Assert.Equal(0, got[i * n + i]);
            Assert.Equal(1, sum, 12);
            Assert.Equal(perplexity, Math.Exp(h), 3); // each row has the asked perplexity
        }
        // The duplicate rows 3 and 4 see the world identically.
        Assert.Equal(got[3 * n + 0], got[4 * n + 0], 12);
    }

    [Fact]
    public void FarApartPointsDoNotUnderflowToEmptyRows()
    {
        // Squared distances in the thousands: exp(-d) is 0 in double without the per-row shift.
        var x = new double[][] { [0, 0], [100, 0], [0, 100], [100, 100], [50, 50] };
        using var scope = NewDisposeScope();
        var p = Tsne.ConditionalProbabilities(Tsne.SquaredDistances(tensor(x.SelectMany(r => r).ToArray(), [5, 2])), 1.5);
        Assert.All(p.sum(1).data<double>().ToArray(), s => Assert.Equal(1, s, 9));
        Assert.True(p.isfinite().all().item<bool>());
    }

    [Fact]
    public void JointProbabilitiesAreSymmetricAndSumToOne()
    {
        var x = Tiny();
        using var scope = NewDisposeScope();
        var cond = ReferenceConditional(x, 2.0);
        var p = Tsne.JointProbabilities(Tsne.SquaredDistances(tensor(x.SelectMany(r => r).ToArray(), [x.Length, 3])), 2.0);
        int n = x.Length;
        double total = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) if (i != j) total += cond[i, j] + cond[j, i];
        var got = p.data<double>().ToArray();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double expected = i == j ? 0 : Math.Max((cond[i, j] + cond[j, i]) / total, 2.220446049250313e-16);
                Assert.Equal(expected, got[i * n + j], 6);
                Assert.Equal(got[i * n + j], got[j * n + i]);
            }
        Assert.Equal(1, got.Sum(), 9);
    }

    [Fact]
    public void GradientMatchesFiniteDifferencesOfTheKlDivergence()
    {
        var x = Tiny();
        int n = x.Length;
        using var scope = NewDisposeScope();
        var p = Tsne.JointProbabilities(Tsne.SquaredDistances(tensor(x.SelectMany(r => r).ToArray(), [n, 3])), 2.0);
        var pd = p.data<double>().ToArray();
        var rng = new Random(3);
        var y = Enumerable.Range(0, n * 2).Select(_ => rng.NextDouble() * 2 - 1).ToArray();

        double Kl(double[] yy)
        {
            double z = 0;
            var num = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    if (i == j) continue;
                    double dx = yy[2 * i] - yy[2 * j], dy = yy[2 * i + 1] - yy[2 * j + 1];
                    num[i, j] = 1 / (1 + dx * dx + dy * dy);
                    z += num[i, j];
                }
            double kl = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    if (i != j && pd[i * n + j] > 0) kl += pd[i * n + j] * Math.Log(pd[i * n + j] / (num[i, j] / z));
            return kl;
        }

        var grad = Tsne.Gradient(p, tensor(y, [n, 2])).data<double>().ToArray();
        Assert.Equal(Kl(y), Tsne.KlDivergence(p, tensor(y, [n, 2])), 9);
        // Row blocks that do not divide N give the same gradient.
        Assert.True(tensor(grad).allclose(Tsne.Gradient(p, tensor(y, [n, 2]), blockRows: 2).reshape(-1), 1e-12, 1e-12));
        const double h = 1e-6;
        for (int k = 0; k < y.Length; k++)
        {
            var plus = (double[])y.Clone(); plus[k] += h;
            var minus = (double[])y.Clone(); minus[k] -= h;
            double numeric = (Kl(plus) - Kl(minus)) / (2 * h);
            Assert.True(Math.Abs(numeric - grad[k]) <= 1e-6 + 1e-5 * Math.Abs(numeric), $"coordinate {k}: analytic {grad[k]}, numeric {numeric}");
        }
    }

    [Fact]
    public void SeparatesWellSeparatedBlobsAndIsDeterministic()
    {
        var (x, labels) = ReportTestData.Blobs(30, 4, 21, spread: 0.3);
        using var scope = NewDisposeScope();
        var t = ReportTestData.ToTensor(x);
        var tsne = new Tsne(new TsneOptions { Perplexity = 10, Iterations = 300, ExaggerationIterations = 100 });
        var (y, kl) = tsne.FitWithDivergence(t);
        Assert.Equal(new long[] { x.Length, 2 }, y.shape);
        Assert.Equal(ScalarType.Float32, y.dtype);
        Assert.True(kl > 0 && kl < 2, $"KL {kl}");
        var pts = y.data<float>().ToArray();
        // Leave-one-out 1-NN in the map among the blob points (the lone item, class 4, may land anywhere), and mean distances.
        int n = x.Length, correct = 0, counted = 0;
        double within = 0, between = 0; long nw = 0, nb = 0;
        for (int i = 0; i < n; i++)
        {
            int best = -1; double bestD = double.MaxValue;
            for (int j = 0; j < n; j++)
            {
                if (j == i || labels[j] == 4) continue;
                double dx = pts[2 * i] - pts[2 * j], dy = pts[2 * i + 1] - pts[2 * j + 1], d = Math.Sqrt(dx * dx + dy * dy);
                if (d < bestD) { bestD = d; best = j; }
                if (labels[i] == labels[j]) { within += d; nw++; } else { between += d; nb++; }
            }
            if (labels[i] < 4) { counted++; if (labels[best] == labels[i]) correct++; }
        }
        Assert.Equal(counted, correct);
        Assert.True(between / nb > 4 * (within / nw), $"between {between / nb}, within {within / nw}");

        var again = tsne.Fit(t);
        Assert.True(y.allclose(again, 1e-5, 1e-4));
    }

    [Fact]
    public void OptionsAreChecked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tsne(new TsneOptions { Perplexity = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tsne(new TsneOptions { Iterations = 10, ExaggerationIterations = 11 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tsne(new TsneOptions { LearningRate = -1 }));
        using var one = zeros(1, 3);
        Assert.Throws<ArgumentException>(() => new Tsne().Fit(one));
        Assert.Equal(1.0, Tsne.EffectivePerplexity(30, 3));
        Assert.Equal(30.0, Tsne.EffectivePerplexity(30, 2000));
    }
}
