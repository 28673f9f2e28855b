using TripletSharp.Reporting;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Reporting;

/// <summary>
/// The all-pairs repulsion against the double loop (every size around the eight-lane steps, coincident points), its two
/// register widths against each other bit for bit, the method choice of <see cref="TsneMethod.Auto"/>, and a whole fit:
/// KL no worse than Barnes–Hut's, class separation, determinism.
/// </summary>
public class DirectRepulsionTests
{
    [Theory]
    [InlineData(1, 5.0)]
    [InlineData(2, 5.0)]
    [InlineData(7, 5.0)]
    [InlineData(8, 5.0)]
    [InlineData(9, 0.01)]
    [InlineData(37, 60.0)]
    [InlineData(600, 8.0)]
    public void RepulsionAndNormaliserMatchTheDoubleLoop(int n, double extent)
    {
        var y = n >= 4 ? FftRepulsionTests.MapPoints(n, extent, 3) : Enumerable.Range(0, 2 * n).Select(i => (i * 0.37 % 1.0) * extent).ToArray();
        var (want, wantZ) = FftRepulsionTests.ExactRepulsion(y);
        var got = new double[y.Length];
        double z = new DirectRepulsion(n).Compute(y, n, got);
        Assert.Equal(wantZ, z, 1e-12 * Math.Max(1, wantZ));
        double scale = want.Length == 0 ? 0 : want.Max(Math.Abs);
        for (int c = 0; c < want.Length; c++)
            Assert.True(Math.Abs(got[c] - want[c]) <= 1e-12 * Math.Max(scale, 1e-300), $"component {c}: {got[c]} vs {want[c]}");
    }

    [Fact]
    public void CoincidentPointsRepelNothingAndCountOnceEach()
    {
        var y = Enumerable.Repeat(new[] { 3.5, -1.25 }, 50).SelectMany(p => p).ToArray();
        var repel = new double[y.Length];
        double z = new DirectRepulsion(50).Compute(y, 50, repel);
        Assert.Equal(50 * 49, z);
        Assert.All(repel, v => Assert.Equal(0, v));
    }

    [Theory]
    [InlineData(13)]
    [InlineData(600)]
    public void BothRegisterWidthsGiveTheSameBits(int n)
    {
        var y = FftRepulsionTests.MapPoints(n, 30, 5);
        var wide = new double[y.Length];
        var narrow = new double[y.Length];
        double zWide = new DirectRepulsion(n, wide: true).Compute(y, n, wide);
        double zNarrow = new DirectRepulsion(n, wide: false).Compute(y, n, narrow);
        Assert.Equal(BitConverter.DoubleToInt64Bits(zWide), BitConverter.DoubleToInt64Bits(zNarrow));
        Assert.Equal(wide.Select(BitConverter.DoubleToInt64Bits), narrow.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void MoreThanTheBuffersHoldIsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DirectRepulsion(4).Compute(new double[10], 5, new double[10]));
        Assert.Equal("n", e.ParamName);
    }

    [Fact]
    public void AutoSumsAllPairsUpToTheLimitThenTheOtherMethods()
    {
        var o = new TsneOptions { DirectMaxPoints = 100, FftMinPoints = 200 };
        Assert.Equal(DirectRepulsion.IsAccelerated, o.UsesDirect(100));
        Assert.False(o.UsesDirect(101));
        Assert.False(o.UsesFft(150));                       // Barnes–Hut between the two
        Assert.True(o.UsesFft(200));
        Assert.Equal(!DirectRepulsion.IsAccelerated, (o with { DirectMaxPoints = 300 }).UsesFft(250));
        Assert.True((o with { Method = TsneMethod.Direct }).UsesDirect(1_000_000));
        Assert.False((o with { Method = TsneMethod.Direct }).UsesFft(1_000_000));
        Assert.False((o with { Method = TsneMethod.BarnesHut }).UsesDirect(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tsne(new TsneOptions { DirectMaxPoints = -1 }));
    }

    [Fact]
    public void SeparatesBlobsWithAKlNoWorseThanBarnesHutAndIsDeterministicAcrossThreadCounts()
    {
        var (x, labels) = ReportTestData.Blobs(60, 5, 11, spread: 0.5);
        using var scope = NewDisposeScope();
        var t = ReportTestData.ToTensor(x);
        var options = new TsneOptions { Perplexity = 15, Iterations = 400, ExaggerationIterations = 100 };
        var (direct, klDirect) = new Tsne(options with { Method = TsneMethod.Direct }).FitWithDivergence(t);
        var (bh, klBh) = new Tsne(options with { Method = TsneMethod.BarnesHut }).FitWithDivergence(t);

        // The same sparse P and optimiser; only the repulsion differs, exact here and approximate (θ = 0.5) there.
        var pExact = Tsne.JointProbabilities(Tsne.SquaredDistances(t.to_type(ScalarType.Float64)), Tsne.EffectivePerplexity(15, x.Length)).to_type(ScalarType.Float32);
        Assert.True(klDirect <= klBh * 1.01 + 0.005, $"all-pairs KL {klDirect} vs Barnes–Hut {klBh}");
        Assert.True(Tsne.KlDivergence(pExact, direct) <= Tsne.KlDivergence(pExact, bh) * 1.01 + 0.005, "KL under the exact P");

        var (correct, counted) = ReportTestData.MapOneNn(direct.data<float>().ToArray(), labels, 5);
        Assert.True(correct >= counted - 1, $"1-NN in the map: {correct} of {counted}");

        Assert.True(direct.equal(new Tsne(options with { Method = TsneMethod.Direct }).Fit(t)).all().item<bool>());
        var single = BarnesHutTsneTests.RunOnOneThread(() => new Tsne(options with { Method = TsneMethod.Direct }).Fit(t));
        Assert.True(direct.equal(single).all().item<bool>());
    }
}
