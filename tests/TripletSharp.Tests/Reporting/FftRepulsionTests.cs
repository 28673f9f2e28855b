using TripletSharp.Reporting;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Reporting;

/// <summary>
/// The FFT-interpolated repulsion (FIt-SNE) against the exact O(N²) sums in double precision, the gradient built on it
/// against the exact gradient, and a whole FFT t-SNE fit: KL, class separation and determinism.
/// </summary>
public class FftRepulsionTests
{
    /// <summary>Exact Σ_{j≠i} num² (y_i − y_j) and Z = Σ_{i≠j} num, double loop.</summary>
    internal static (double[] Repel, double Z) ExactRepulsion(double[] y)
    {
        int n = y.Length / 2;
        var repel = new double[2 * n];
        double z = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1], num = 1 / (1 + dx * dx + dy * dy);
                z += num;
                repel[2 * i] += num * num * dx; repel[2 * i + 1] += num * num * dy;
            }
        return (repel, z);
    }

    /// <summary>A map-like point set: Gaussian clusters of different sizes spread over about <paramref name="extent"/> units, plus two coincident points.</summary>
    internal static double[] MapPoints(int n, double extent, int seed)
    {
        var rng = new Random(seed);
        var y = new double[2 * n];
        var centres = Enumerable.Range(0, 6).Select(_ => (X: (rng.NextDouble() - 0.5) * extent, Y: (rng.NextDouble() - 0.5) * extent)).ToArray();
        for (int i = 0; i < n; i++)
        {
            var c = centres[i % centres.Length];
            double s = 0.5 + i % 3;
            y[2 * i] = c.X + ReportTestData.Normal(rng) * s;
            y[2 * i + 1] = c.Y + ReportTestData.Normal(rng) * s;
        }
        y[2] = y[0]; y[3] = y[1];
        return y;
    }

    private static double RelativeError(double[] got, double[] want)
    {
        double err = 0, norm = 0;
        for (int c = 0; c < want.Length; c++) { err += (got[c] - want[c]) * (got[c] - want[c]); norm += want[c] * want[c]; }
        return Math.Sqrt(err / norm);
    }

    [Theory]
    [InlineData(0.01)]   // all clusters on top of one another
    [InlineData(8.0)]
    [InlineData(60.0)]   // late maps of thousands of points
    [InlineData(90.0)]
    public void RepulsionAndNormaliserMatchTheExactSums(double extent)
    {
        var y = MapPoints(600, extent, 3);
        var (repel, z) = ExactRepulsion(y);
        var got = new double[y.Length];
        using var fft = new FftRepulsion();
        double gotZ = fft.Compute(y, y.Length / 2, got);
        // Stated tolerances, defaults (4 nodes per unit interval): Z to 0.1 % and the repulsion vectors to 2 % in relative
        // L2 norm (measured: ≤ 0.06 % and 0.7–1.2 %), at most twice Barnes–Hut's error at θ = 0.5 on the same points
        // (0.7–1.1 %); with 5 nodes per interval never worse than Barnes–Hut (measured 0.2–0.3 %).
        Assert.True(Math.Abs(gotZ - z) <= 1e-3 * z, $"Z {gotZ} vs exact {z} at extent {extent}");
        double rel = RelativeError(got, repel);
        Assert.True(rel < 0.02, $"relative error of the repulsion {rel} at extent {extent}");
        int n = y.Length / 2;
        var tree = QuadTree.Build(y, n);
        var bh = new double[y.Length];
        for (int i = 0; i < n; i++) { var (rx, ry, _) = tree.Repulsion(y[2 * i], y[2 * i + 1], 0.25); bh[2 * i] = rx; bh[2 * i + 1] = ry; }
        double bhRel = RelativeError(bh, repel);
        Assert.True(rel <= 2 * bhRel, $"FFT {rel} vs Barnes–Hut {bhRel} at extent {extent}");
        using var finer = new FftRepulsion(nodesPerInterval: 5);
        finer.Compute(y, n, got);
        Assert.True(RelativeError(got, repel) <= bhRel, $"FFT with 5 nodes {RelativeError(got, repel)} vs Barnes–Hut {bhRel} at extent {extent}");
    }

    [Fact]
    public void CoincidentPointsRepelNothingAndCountOnceEach()
    {
        var y = Enumerable.Repeat(new[] { 3.5, -1.25 }, 50).SelectMany(p => p).ToArray();
        var repel = new double[y.Length];
        using var fft = new FftRepulsion();
        double z = fft.Compute(y, 50, repel);
        Assert.True(Math.Abs(z - 50 * 49) <= 1e-3 * 50 * 49, $"Z {z}");
        Assert.All(repel, v => Assert.True(Math.Abs(v) < 1e-9, $"{v}"));
    }

    [Fact]
    public void GradientMatchesTheExactGradient()
    {
        var x = BarnesHutTsneTests.Points(60, 4, 2);
        using var scope = NewDisposeScope();
        var p = BarnesHutTsne.JointProbabilities(tensor(x.SelectMany(r => r).ToArray(), [x.Length, 4]), 5);
        var rng = new Random(7);
        var y = Enumerable.Range(0, 2 * x.Length).Select(_ => rng.NextDouble() * 30 - 15).ToArray();
        y[10] = y[12]; y[11] = y[13];
        var reference = BarnesHutTsneTests.ReferenceGradient(BarnesHutTsneTests.Dense(p), y);
        var grad = new double[y.Length];
        using var fft = new FftRepulsion();
        BarnesHutTsne.Gradient(p, 1.0, y, fft, grad);
        double rel = RelativeError(grad, reference);
        Assert.True(rel < 0.05, $"relative error {rel}"); // as Barnes–Hut's test at θ = 0.5
    }

    [Fact]
    public void FftLengthsHaveOnlySmallPrimeFactorsAndTheGridCoversTheMap()
    {
        Assert.Equal(20, FftRepulsion.SmoothAtLeast(20));
        Assert.Equal(24, FftRepulsion.SmoothAtLeast(21));
        Assert.Equal(50, FftRepulsion.SmoothAtLeast(49));
        Assert.Equal(1, FftRepulsion.SmoothAtLeast(0));
        var y = MapPoints(100, 45.3, 1);
        double side = Math.Max(Enumerable.Range(0, 100).Max(i => y[2 * i]) - Enumerable.Range(0, 100).Min(i => y[2 * i]),
            Enumerable.Range(0, 100).Max(i => y[2 * i + 1]) - Enumerable.Range(0, 100).Min(i => y[2 * i + 1]));
        using var f = new FftRepulsion();
        f.Compute(y, 100, new double[y.Length]);
        Assert.Equal((int)Math.Ceiling(side) + 1, f.LastIntervals); // unit intervals covering the map with room to spare
    }

    [Fact]
    public void AutoSwitchesToFftAtTheThreshold()
    {
        var o = new TsneOptions { FftMinPoints = 100, DirectMaxPoints = 0 };
        Assert.False(o.UsesFft(99));
        Assert.True(o.UsesFft(100));
        Assert.False((o with { Method = TsneMethod.BarnesHut }).UsesFft(100_000));
        Assert.True((o with { Method = TsneMethod.Fft }).UsesFft(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tsne(new TsneOptions { FftMinPoints = 0 }));
    }

    [Fact]
    public void SeparatesBlobsWithAKlAsGoodAsBarnesHutAndIsDeterministicAcrossThreadCounts()
    {
        var (x, labels) = ReportTestData.Blobs(60, 5, 11, spread: 0.5);
        using var scope = NewDisposeScope();
        var t = ReportTestData.ToTensor(x);
        var options = new TsneOptions { Perplexity = 15, Iterations = 400, ExaggerationIterations = 100 };
        var (fft, klFft) = new Tsne(options with { Method = TsneMethod.Fft }).FitWithDivergence(t);
        var (bh, klBh) = new Tsne(options with { Method = TsneMethod.BarnesHut }).FitWithDivergence(t);

        // Both judged by the exact method's dense P as well as by the sparse P the report states.
        var pExact = Tsne.JointProbabilities(Tsne.SquaredDistances(t.to_type(ScalarType.Float64)), Tsne.EffectivePerplexity(15, x.Length)).to_type(ScalarType.Float32);
        double exactOfFft = Tsne.KlDivergence(pExact, fft), exactOfBh = Tsne.KlDivergence(pExact, bh);
        Assert.True(klFft <= klBh * 1.05 + 0.01, $"FFT KL {klFft} vs Barnes–Hut {klBh}");
        Assert.True(exactOfFft <= exactOfBh * 1.05 + 0.01, $"FFT KL under the exact P {exactOfFft} vs Barnes–Hut {exactOfBh}");

        var (correct, counted) = ReportTestData.MapOneNn(fft.data<float>().ToArray(), labels, 5);
        Assert.True(correct >= counted - 1, $"1-NN in the map: {correct} of {counted}");

        var again = new Tsne(options with { Method = TsneMethod.Fft }).Fit(t);
        Assert.True(fft.equal(again).all().item<bool>());
        var single = BarnesHutTsneTests.RunOnOneThread(() => new Tsne(options with { Method = TsneMethod.Fft }).Fit(t));
        Assert.True(fft.equal(single).all().item<bool>());
    }
}
