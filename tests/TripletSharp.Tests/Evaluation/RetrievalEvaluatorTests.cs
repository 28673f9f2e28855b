using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Evaluation;
using TripletSharp.Tests.Search;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Evaluation;

public class RetrievalEvaluatorTests
{
    internal sealed record Expected(double P1, double Rp, double Map, double[] Recall, double Knn, long Count);

    /// <summary>Musgrave et al. / PML definitions, from full double-precision sorts (ties by lower index).</summary>
    private static Expected Reference(BaseDistance d, double[][] x, long[] labels, int knnK) =>
        Reference(d, x, (q, j) => labels[j] == labels[q], knnK, labels);

    /// <summary>
    /// The same with relevance given by <paramref name="relevant"/>(query, item) (multi-label: shares a label); the k-NN
    /// vote needs <paramref name="labels"/> and is NaN without them.
    /// </summary>
    internal static Expected Reference(BaseDistance d, double[][] x, Func<int, int, bool> relevant, int knnK, long[]? labels = null)
    {
        int n = x.Length;
        double p1 = 0, rp = 0, map = 0, knn = 0;
        var recall = new double[4];
        var ks = new[] { 1, 2, 4, 8 };
        long count = 0;
        for (int i = 0; i < n; i++)
        {
            int r = Enumerable.Range(0, n).Count(j => j != i && relevant(i, j));
            if (r == 0) continue;
            count++;
            var ranking = BruteForce.Ranking(d, x[i], x, i);
            bool Rel(int j) => relevant(i, ranking[j].Index);
            if (Rel(0)) p1++;
            int hits = 0;
            double ap = 0;
            for (int j = 0; j < r; j++)
            {
                if (!Rel(j)) continue;
                hits++;
                ap += (double)hits / (j + 1);
            }
            rp += (double)hits / r;
            map += ap / r;
            for (int t = 0; t < ks.Length; t++)
                if (Enumerable.Range(0, Math.Min(ks[t], n - 1)).Any(Rel)) recall[t]++;
            if (labels is null) continue;
            var first = ranking.Take(Math.Min(knnK, n - 1)).Select(p => labels[p.Index]).ToList();
            var votes = first.GroupBy(l => l).Select(gr => (Label: gr.Key, Count: gr.Count(), First: first.IndexOf(gr.Key))).ToList();
            int top = votes.Max(v => v.Count);
            if (votes.Where(v => v.Count == top).OrderBy(v => v.First).First().Label == labels[i]) knn++;
        }
        double M(double s) => count > 0 ? s / count : double.NaN;
        return new Expected(M(p1), M(rp), M(map), recall.Select(M).ToArray(), labels is null ? double.NaN : M(knn), count);
    }

    internal static void AssertClose(Expected e, RetrievalMetrics m, double tol)
    {
        Assert.Equal(e.Count, m.QueryCount);
        void Eq(double a, double b, string what) => Assert.True(double.IsNaN(a) ? double.IsNaN(b) : Math.Abs(a - b) <= tol, $"{what}: expected {a}, got {b}");
        Eq(e.P1, m.PrecisionAt1, "precision_at_1");
        Eq(e.Rp, m.RPrecision, "r_precision");
        Eq(e.Map, m.MapAtR, "map_at_r");
        Eq(e.Recall[0], m.RecallAt1, "recall_at_1");
        Eq(e.Recall[1], m.RecallAt2, "recall_at_2");
        Eq(e.Recall[2], m.RecallAt4, "recall_at_4");
        Eq(e.Recall[3], m.RecallAt8, "recall_at_8");
        Eq(e.Knn, m.KnnAccuracy, "knn_accuracy");
    }

    [Theory]
    [InlineData("euclidean", 7)]
    [InlineData("squared-euclidean", 64)]
    [InlineData("dot", 5)]
    public void IntegerEmbeddingsWithTiesDuplicatesAndLoneClassesMatchBruteForceExactly(string measure, int block)
    {
        // Small integers: float32 distances are exact, so ties are exact and ordering must follow lower index.
        using var scope = NewDisposeScope();
        var d = ExactKnnTests.Make(measure);
        var gen = new Generator().manual_seed(21);
        var x = randint(-2, 3, new long[] { 90, 3 }, generator: gen).to_type(ScalarType.Float32);
        x[10] = x[11]; // duplicates across and within classes
        x[40] = x[11];
        var rng = new Random(4);
        var labels = Enumerable.Range(0, 90).Select(_ => (long)rng.Next(6)).ToArray();
        labels[0] = 100; // lone classes
        labels[1] = 101;
        labels[2] = 102;
        var m = new RetrievalEvaluator(d, knnK: 5, computeNmi: false, blockSize: block).Evaluate(x, labels);
        AssertClose(Reference(d, BruteForce.Rows(x), labels, 5), m, 1e-12);
        Assert.Equal(87, m.QueryCount);
        Assert.True(double.IsNaN(m.Nmi));
    }

    [Theory]
    [InlineData("euclidean")]
    [InlineData("cosine")]
    [InlineData("dot-normalized")]
    public void GaussianEmbeddingsMatchBruteForce(string measure)
    {
        using var scope = NewDisposeScope();
        var d = ExactKnnTests.Make(measure);
        var gen = new Generator().manual_seed(8);
        var centres = randn(new long[] { 5, 8 }, generator: gen);
        var labelsT = randint(0, 5, new long[] { 160 }, generator: gen);
        var x = centres.index_select(0, labelsT) + randn(new long[] { 160, 8 }, generator: gen);
        var labels = labelsT.data<long>().ToArray();
        var m = new RetrievalEvaluator(d, knnK: 3, computeNmi: false, blockSize: 33).Evaluate(x, labels);
        AssertClose(Reference(d, BruteForce.Rows(x), labels, 3), m, 1e-9);
        Assert.InRange(m.MapAtR, 0.05, 1); // a non-trivial case
        Assert.True(m.MapAtR < 1);
    }

    [Fact]
    public void AllLoneGivesNaNAndNoQueries()
    {
        using var scope = NewDisposeScope();
        var x = randn(6, 3);
        var m = new RetrievalEvaluator(computeNmi: false).Evaluate(x, new long[] { 0, 1, 2, 3, 4, 5 });
        Assert.Equal(0, m.QueryCount);
        Assert.All(m.ToDictionary().Where(kv => kv.Key != "nmi"), kv => Assert.True(double.IsNaN(kv.Value), kv.Key));
    }

    [Fact]
    public void TwoClassesAndOneClass()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 0, 0.1f, 0.2f, 5, 5.1f, 0.15f }).reshape(6, 1);
        var two = new long[] { 1, 1, 1, 2, 2, 2 };
        var m = new RetrievalEvaluator(computeNmi: false).Evaluate(x, two);
        AssertClose(Reference(new EuclideanDistance(), BruteForce.Rows(x), two, 5), m, 1e-12);
        Assert.True(m.MapAtR < 1);
        var one = new RetrievalEvaluator(computeNmi: true).Evaluate(x, new long[6]);
        Assert.Equal(1.0, one.MapAtR);
        Assert.Equal(1.0, one.PrecisionAt1);
        Assert.Equal(1.0, one.Nmi); // one class, one cluster
        var pair = new RetrievalEvaluator().Evaluate(x.narrow(0, 0, 2), new long[] { 3, 3 }); // N = 2: k capped at 1
        Assert.Equal(1.0, pair.RecallAt8);
    }

    [Fact]
    public void NmiIsTheScoreOfSeededKMeans()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator().manual_seed(1);
        var x = randn(new long[] { 120, 4 }, generator: gen);
        var labels = Enumerable.Range(0, 120).Select(i => (long)(i % 4) * 10).ToArray();
        var m = new RetrievalEvaluator(seed: 7).Evaluate(x, labels);
        var dense = labels.Select(l => l / 10).ToArray();
        Assert.Equal(ClusteringMetrics.NormalizedMutualInformation(dense, KMeans.Cluster(x, 4, 7)), m.Nmi, 12);
        var cosine = new RetrievalEvaluator(new CosineDistance(), seed: 7).Evaluate(x, labels);
        Assert.Equal(ClusteringMetrics.NormalizedMutualInformation(dense, KMeans.Cluster(nn.functional.normalize(x, 2, 1), 4, 7)), cosine.Nmi, 12);
    }

    [Fact]
    public void KnnVoteTieGoesToTheNearestTiedClass()
    {
        Assert.Equal(7, RetrievalAccumulatorVote(new long[] { 7, 3, 3, 7, 1 }));
        Assert.Equal(3, RetrievalAccumulatorVote(new long[] { 1, 3, 3, 7, 7 }));
        Assert.Equal(1, RetrievalAccumulatorVote(new long[] { 1, 3, 7, 9, 4 }));
        Assert.Equal(4, RetrievalAccumulatorVote(new long[] { 1, 4, 4, 4, 1 }));
    }

    private static long RetrievalAccumulatorVote(long[] labels) => TripletSharp.Evaluation.RetrievalAccumulator.Vote(labels);

    [Fact]
    public void RejectsMismatchedLabelsAndLeaksNothing()
    {
        using var scope = NewDisposeScope();
        var x = randn(20, 3);
        Assert.Throws<ArgumentException>(() => new RetrievalEvaluator().Evaluate(x, new long[19]));
        var labels = Enumerable.Range(0, 20).Select(i => (long)(i % 3)).ToArray();
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        new RetrievalEvaluator(blockSize: 6).Evaluate(x, labels);
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void MetricKeysAreTheMetricsJsonKeys()
    {
        var m = new RetrievalMetrics(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        Assert.Equal(new[] { "precision_at_1", "r_precision", "map_at_r", "recall_at_1", "recall_at_2", "recall_at_4", "recall_at_8", "nmi", "knn_accuracy" }, m.ToDictionary().Keys);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (double)i), m.ToDictionary().Values);
    }
}
