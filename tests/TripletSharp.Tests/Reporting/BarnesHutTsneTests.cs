using TripletSharp.Reporting;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Reporting;

/// <summary>Barnes–Hut t-SNE against double loops: the sparse P, the tree gradient at θ = 0 and θ = 0.5, the KL, a clustering outcome.</summary>
public class BarnesHutTsneTests
{
    internal static double[][] Points(int n, int dim, int seed)
    {
        var rng = new Random(seed);
        var x = new double[n][];
        for (int i = 0; i < n; i++) x[i] = Enumerable.Range(0, dim).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        x[5] = (double[])x[4].Clone(); // a duplicate row
        return x;
    }

    private static double SqDist(double[] a, double[] b) => a.Zip(b, (u, v) => (u - v) * (u - v)).Sum();

    /// <summary>Reference sparse P: each row's k nearest (by a full sort), bisection, then (P + Pᵀ) / ΣP, as a dense matrix.</summary>
    private static double[,] ReferenceP(double[][] x, double perplexity, int k)
    {
        int n = x.Length;
        var cond = new double[n, n];
        double target = Math.Log(perplexity);
        for (int i = 0; i < n; i++)
        {
            var nbr = Enumerable.Range(0, n).Where(j => j != i).OrderBy(j => SqDist(x[i], x[j])).ThenBy(j => j).Take(k).ToArray();
            var d = nbr.Select(j => SqDist(x[i], x[j])).ToArray();
            double min = d.Min(), beta = 1, lo = double.NegativeInfinity, hi = double.PositiveInfinity;
            var row = new double[k];
            for (int step = 0; step < 100; step++)
            {
                double sum = 0;
                for (int j = 0; j < k; j++) { row[j] = Math.Exp(-(d[j] - min) * beta); sum += row[j]; }
                double h = 0;
                for (int j = 0; j < k; j++) { row[j] /= sum; if (row[j] > 0) h -= row[j] * Math.Log(row[j]); }
                if (Math.Abs(h - target) <= 1e-5) break;
                if (h > target) { lo = beta; beta = double.IsPositiveInfinity(hi) ? beta * 2 : (beta + hi) / 2; }
                else { hi = beta; beta = double.IsNegativeInfinity(lo) ? beta / 2 : (beta + lo) / 2; }
            }
            for (int j = 0; j < k; j++) cond[i, nbr[j]] = row[j];
        }
        var p = new double[n, n];
        double total = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) { p[i, j] = cond[i, j] + cond[j, i]; total += p[i, j]; }
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) p[i, j] /= total;
        return p;
    }

    internal static double[,] Dense(BarnesHutTsne.SparseMatrix p)
    {
        var d = new double[p.N, p.N];
        for (int i = 0; i < p.N; i++)
            for (int e = p.RowStart[i]; e < p.RowStart[i + 1]; e++) d[i, p.Cols[e]] += p.Vals[e];
        return d;
    }

    /// <summary>Exact gradient of KL(P‖Q) for a dense P, double loop.</summary>
    internal static double[] ReferenceGradient(double[,] p, double[] y)
    {
        int n = p.GetLength(0);
        double z = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) if (i != j) { double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]; z += 1 / (1 + dx * dx + dy * dy); }
        var g = new double[2 * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1], num = 1 / (1 + dx * dx + dy * dy);
                double w = (p[i, j] - num / z) * num;
                g[2 * i] += 4 * w * dx; g[2 * i + 1] += 4 * w * dy;
            }
        return g;
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(5.0)]
    public void SparseJointProbabilitiesMatchTheDoubleLoop(double perplexity)
    {
        var x = Points(40, 3, 1);
        int k = BarnesHutTsne.NeighborCount(perplexity, x.Length);
        Assert.Equal((int)Math.Floor(3 * perplexity + 1), k);
        var reference = ReferenceP(x, perplexity, k);
        using var scope = NewDisposeScope();
        var p = BarnesHutTsne.JointProbabilities(tensor(x.SelectMany(r => r).ToArray(), [x.Length, 3]), perplexity);
        var got = Dense(p);
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
            for (int j = 0; j < x.Length; j++)
            {
                Assert.Equal(reference[i, j], got[i, j], 9);
                Assert.Equal(got[i, j], got[j, i], 15);
                sum += got[i, j];
            }
        Assert.Equal(1, sum, 12);
        for (int i = 0; i < x.Length; i++) Assert.Equal(0, got[i, i]);
    }

    [Fact]
    public void TreeGradientAtThetaZeroIsExactAndAtHalfIsClose()
    {
        var x = Points(60, 4, 2);
        using var scope = NewDisposeScope();
        var p = BarnesHutTsne.JointProbabilities(tensor(x.SelectMany(r => r).ToArray(), [x.Length, 4]), 5);
        var dense = Dense(p);
        var rng = new Random(7);
        var y = Enumerable.Range(0, 2 * x.Length).Select(_ => rng.NextDouble() * 10 - 5).ToArray();
        y[10] = y[12]; y[11] = y[13]; // two points at one map position
        var reference = ReferenceGradient(dense, y);
        var grad = new double[y.Length];
        BarnesHutTsne.Gradient(p, 1.0, y, 0.0, grad);
        for (int c = 0; c < y.Length; c++) Assert.Equal(reference[c], grad[c], 12);

        BarnesHutTsne.Gradient(p, 1.0, y, 0.5, grad);
        double err = 0, norm = 0;
        for (int c = 0; c < y.Length; c++) { err += (grad[c] - reference[c]) * (grad[c] - reference[c]); norm += reference[c] * reference[c]; }
        Assert.True(Math.Sqrt(err / norm) < 0.05, $"relative error {Math.Sqrt(err / norm)} at θ = 0.5");
    }

    [Fact]
    public void SpatialOrderIsAPermutationAlongTheZCurve()
    {
        // Four corners given out of order, then the Z curve's order: lower left, lower right, upper left, upper right.
        double[] corners = [1, 1, 0, 0, 0, 1, 1, 0];
        Assert.Equal([1, 3, 2, 0], BarnesHutTsne.SpatialOrder(corners, 4));
        // All points at one position (no spread to scale by) and a random cloud: every index exactly once.
        Assert.Equal([0, 1, 2], BarnesHutTsne.SpatialOrder([2, 2, 2, 2, 2, 2], 3).Order());
        var rng = new Random(3);
        var y = Enumerable.Range(0, 2 * 500).Select(_ => rng.NextDouble() * 100 - 50).ToArray();
        Assert.Equal(Enumerable.Range(0, 500), BarnesHutTsne.SpatialOrder(y, 500).Order());
    }

    [Fact]
    public void KlDivergenceMatchesTheDoubleLoop()
    {
        var x = Points(30, 3, 3);
        using var scope = NewDisposeScope();
        var p = BarnesHutTsne.JointProbabilities(tensor(x.SelectMany(r => r).ToArray(), [x.Length, 3]), 3);
        var dense = Dense(p);
        var rng = new Random(5);
        var y = Enumerable.Range(0, 2 * x.Length).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        int n = x.Length;
        double z = 0, kl = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) if (i != j) { double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]; z += 1 / (1 + dx * dx + dy * dy); }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (i != j && dense[i, j] > 0)
                {
                    double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
                    kl += dense[i, j] * Math.Log(dense[i, j] / (1 / (1 + dx * dx + dy * dy) / z));
                }
        Assert.Equal(kl, BarnesHutTsne.KlDivergence(p, y), 10);
    }

    [Fact]
    public void SeparatesBlobsAsWellAsExactAndIsDeterministicAcrossThreadCounts()
    {
        var (x, labels) = ReportTestData.Blobs(60, 5, 11, spread: 0.5);
        using var scope = NewDisposeScope();
        var t = ReportTestData.ToTensor(x);
        var options = new TsneOptions { Method = TsneMethod.BarnesHut, Perplexity = 15, Iterations = 400, ExaggerationIterations = 100 };
        var (bh, klBh) = new Tsne(options).FitWithDivergence(t);
        var (exact, _) = new Tsne(options with { Method = TsneMethod.Exact }).FitWithDivergence(t);

        // Both maps judged by the same yardstick: KL of the exact P against each map's Q.
        var pExact = Tsne.JointProbabilities(Tsne.SquaredDistances(t.to_type(ScalarType.Float64)), Tsne.EffectivePerplexity(15, x.Length)).to_type(ScalarType.Float32);
        double klExactOfBh = Tsne.KlDivergence(pExact, bh), klExactOfExact = Tsne.KlDivergence(pExact, exact);
        Assert.True(klBh > 0 && klBh < 3, $"KL {klBh}");
        Assert.True(klExactOfBh <= klExactOfExact * 1.1 + 0.02, $"Barnes–Hut KL {klExactOfBh} vs exact {klExactOfExact}");

        var (correct, counted) = ReportTestData.MapOneNn(bh.data<float>().ToArray(), labels, 5);
        Assert.True(correct >= counted - 1, $"1-NN in the map: {correct} of {counted}");

        // Same map run to run, and on one worker thread.
        Assert.True(bh.equal(new Tsne(options).Fit(t)).all().item<bool>());
        var single = RunOnOneThread(() => new Tsne(options).Fit(t));
        Assert.True(bh.equal(single).all().item<bool>());
    }

    internal static Tensor RunOnOneThread(Func<Tensor> f)
    {
        Tensor? result = null;
        var scheduler = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, 1).ExclusiveScheduler;
        Task.Factory.StartNew(() => { result = f().DetachFromDisposeScope(); }, CancellationToken.None, TaskCreationOptions.None, scheduler).Wait();
        return result!;
    }
}
