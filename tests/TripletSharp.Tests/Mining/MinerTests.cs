using TripletSharp.Distances;
using TripletSharp.Losses;
using TripletSharp.Mining;
using TripletSharp.Tests.Reference;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Mining;

public class MinerTests
{
    [Fact]
    public void BandsHaveTheDocumentedEdges()
    {
        var semi = new SemiHardMiner(0.2).Selection;
        Assert.False(semi.Contains(0));
        Assert.True(semi.Contains(0.2));
        Assert.False(semi.Contains(0.2000001));
        var hard = new HardNegativeMiner().Selection;
        Assert.True(hard.Contains(-1e-9));
        Assert.False(hard.Contains(0));
        var violating = new BatchAllMiner(true, 0.2).Selection;
        Assert.True(violating.Contains(0.1999));
        Assert.False(violating.Contains(0.2));
        Assert.Same(NegativeBand.All, new BatchAllMiner().Selection);
    }

    /// <summary>
    /// The CPU draw's vectorised mask for single labels (four columns at a time, a scalar tail) gives the same draws as
    /// the scalar mask of the match-matrix path on the same batch: same uniforms per slot, same positives in the same order.
    /// </summary>
    [Theory]
    [InlineData(203, ScalarType.Float32)]
    [InlineData(130, ScalarType.Float64)]
    public void DistanceWeightedDrawsTheSameWithLabelsAsWithTheirMatchMatrix(int batch, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(21);
        var x = randn([batch, 6], generator: gen).to(dtype);
        var labels = randint(0, 9, [batch], generator: gen);
        var matches = labels.unsqueeze(1).eq(labels.unsqueeze(0));
        for (int seed = 0; seed < 3; seed++)
        {
            using var byLabel = new DistanceWeightedMiner(cutoff: 0.3, nonzeroLossCutoff: 1.3, seed: seed).Mine(x, labels);
            using var byMatch = new DistanceWeightedMiner(cutoff: 0.3, nonzeroLossCutoff: 1.3, seed: seed).Mine(x, matches);
            var a = byLabel.Indices!;
            var b = byMatch.Indices!;
            Assert.True(a.Count > 0);
            Assert.Equal(a.Anchors.data<long>().ToArray(), b.Anchors.data<long>().ToArray());
            Assert.Equal(a.Positives.data<long>().ToArray(), b.Positives.data<long>().ToArray());
            Assert.Equal(a.Negatives.data<long>().ToArray(), b.Negatives.data<long>().ToArray());
        }
    }

    [Fact]
    public void DistanceWeightedDrawsValidNegativesInsideTheCutoffWithTheRightFrequencies()
    {
        using var scope = NewDisposeScope();
        // 3-D embeddings on the unit sphere: q(d) ∝ d^(n-2)(1 - d²/4)^((n-3)/2) = d, so weights ∝ 1/max(d, cutoff).
        var batch = TestData.Gaussian(71, 12, 3, 2);
        var x = batch.Embeddings(ScalarType.Float64);
        var labels = batch.LabelTensor();
        var miner = new DistanceWeightedMiner(cutoff: 0.5, nonzeroLossCutoff: 1.4, seed: 3);
        var reference = new RefMeasure("euclidean", true);
        var e = reference.RawMatrix(batch.X);
        var counts = new Dictionary<(int, int), int>();
        var drawsPerAnchor = new int[12];
        for (int round = 0; round < 400; round++)
        {
            using var inner = NewDisposeScope();
            using var mined = miner.Mine(x, labels);
            foreach (var (a, p, n) in Cases.ToList(mined.Indices!))
            {
                Assert.Equal(batch.Labels[a], batch.Labels[p]);
                Assert.NotEqual(a, p);
                Assert.NotEqual(batch.Labels[a], batch.Labels[n]);
                Assert.True(e[a, n] < 1.4, $"negative beyond the cutoff: d = {e[a, n]}");
                counts[(a, n)] = counts.GetValueOrDefault((a, n)) + 1;
                drawsPerAnchor[a]++;
            }
        }
        for (int a = 0; a < 12; a++)
        {
            var allowed = Enumerable.Range(0, 12).Where(n => batch.Labels[n] != batch.Labels[a] && e[a, n] < 1.4).ToList();
            if (allowed.Count == 0 || drawsPerAnchor[a] < 200) continue;
            double total = allowed.Sum(n => 1 / Math.Max(e[a, n], 0.5));
            foreach (var n in allowed)
            {
                double expected = drawsPerAnchor[a] * (1 / Math.Max(e[a, n], 0.5)) / total;
                double observed = counts.GetValueOrDefault((a, n));
                Assert.True(Math.Abs(observed - expected) <= 5 * Math.Sqrt(expected) + 2, $"anchor {a} negative {n}: {observed} draws, expected {expected:F1}");
            }
        }
    }

    [Fact]
    public void SeededMinersAreReproducible()
    {
        using var scope = NewDisposeScope();
        var batch = TestData.Gaussian(72, 20, 4, 4);
        var x = batch.Embeddings();
        var labels = batch.LabelTensor();
        foreach (Func<int, BaseMiner> make in new Func<int, BaseMiner>[] { s => new DistanceWeightedMiner(seed: s), s => new RandomTripletMiner(2, s) })
        {
            List<(int, int, int)> Draw(BaseMiner m)
            {
                using var mined = m.Mine(x, labels);
                return Cases.ToList(mined.Indices!);
            }
            var a = make(5);
            var b = make(5);
            var first = Draw(a);
            Assert.Equal(first, Draw(b));
            Assert.Equal(Draw(a), Draw(b));
            Assert.NotEqual(first, Draw(make(6)));
        }
    }

    [Fact]
    public void RandomMinerDrawsKValidTripletsPerAnchorUniformly()
    {
        using var scope = NewDisposeScope();
        var batch = TestData.Gaussian(73, 10, 2, 3, lone: 1);
        var x = batch.Embeddings();
        var labels = batch.LabelTensor();
        var miner = new RandomTripletMiner(3, seed: 1);
        var perAnchor = new int[10];
        var seen = new HashSet<(int, int, int)>();
        for (int round = 0; round < 300; round++)
        {
            using var mined = miner.Mine(x, labels);
            var list = Cases.ToList(mined.Indices!);
            foreach (var (a, p, n) in list)
            {
                Assert.True(a != p && batch.Labels[a] == batch.Labels[p] && batch.Labels[a] != batch.Labels[n]);
                perAnchor[a]++;
                seen.Add((a, p, n));
            }
        }
        var all = RefTriplets.All(batch.Labels).ToList();
        for (int a = 0; a < 10; a++)
            Assert.Equal(all.Any(t => t.A == a) ? 900 : 0, perAnchor[a]);
        Assert.Equal(all.Count, seen.Count); // every valid triplet turns up
    }

    [Fact]
    public void LossReusesTheMinersMatrixOnlyForTheSameEmbeddingsAndMeasure()
    {
        using var scope = NewDisposeScope();
        var batch = TestData.Gaussian(74, 16, 3, 3);
        var x = batch.Embeddings();
        using var mined = new SemiHardMiner().Mine(x, batch.LabelTensor());
        Assert.NotNull(mined.CachedMatrix(new EuclideanDistance(), x));
        Assert.NotNull(mined.CachedMatrix(new EuclideanDistance(), x.clone()));
        Assert.Null(mined.CachedMatrix(new EuclideanDistance(normalizeEmbeddings: true), x));
        Assert.Null(mined.CachedMatrix(new SquaredEuclideanDistance(), x));
        var moved = x.clone();
        moved[3, 1] = moved[3, 1] + 1e-3f;
        Assert.Null(mined.CachedMatrix(new EuclideanDistance(), moved));
        Assert.Null(mined.CachedMatrix(new EuclideanDistance(), x.flip(0)));
        // A stale result on new embeddings still gives the loss of the new embeddings.
        float expected = new TripletMarginLoss().Compute(moved, batch.LabelTensor(), new SemiHardMiner().Mine(moved, batch.LabelTensor())).item<float>();
        Assert.Equal(expected, new TripletMarginLoss().Compute(moved, batch.LabelTensor(), mined).item<float>(), 6);
    }

    [Fact]
    public void BandStatisticsAreAvailableBeforeAndAfterTheLossAndNotAfterDisposal()
    {
        using var scope = NewDisposeScope();
        var batch = TestData.Gaussian(75, 24, 4, 4);
        var x = batch.Embeddings();
        var labels = batch.LabelTensor();
        var miner = new SemiHardMiner();
        using var early = miner.Mine(x, labels);
        var before = early.Stats;
        using var late = miner.Mine(x, labels);
        new TripletMarginLoss().Compute(x, labels, late);
        Assert.False(late.StatsPending);
        Assert.Equal(before.TripletCount, late.Stats.TripletCount);
        Assert.Equal(before.AnchorFraction, late.Stats.AnchorFraction);
        Assert.Equal(before.MeanAnchorPositive, late.Stats.MeanAnchorPositive, 6);
        Assert.Equal(before.MeanAnchorNegative, late.Stats.MeanAnchorNegative, 6);
        var unread = miner.Mine(x, labels);
        unread.Dispose();
        Assert.Throws<ObjectDisposedException>(() => unread.Stats);
    }
}
