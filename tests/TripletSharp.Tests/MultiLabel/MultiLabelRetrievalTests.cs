using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Evaluation;
using TripletSharp.Mining;
using TripletSharp.Tests.Evaluation;
using TripletSharp.Tests.Search;
using static TorchSharp.torch;

namespace TripletSharp.Tests.MultiLabel;

/// <summary>Multi-label retrieval metrics (relevant = shares a label with the query) against brute force.</summary>
public class MultiLabelRetrievalTests
{
    private static long[][] Sets(int n, int seed)
    {
        var rng = new Random(seed);
        var sets = new long[n][];
        for (int i = 0; i < n; i++)
        {
            int count = rng.Next(1, 4);
            sets[i] = Enumerable.Range(0, count).Select(_ => (long)rng.Next(6)).Distinct().ToArray();
        }
        sets[0] = new long[] { 100 }; // shares no label: skipped
        sets[1] = new long[] { 0, 1, 2, 3, 4, 5 }; // every label: relevant to everyone else but item 0
        sets[2] = Array.Empty<long>(); // no label at all
        return sets;
    }

    [Theory]
    [InlineData("euclidean", 7)]
    [InlineData("squared-euclidean", 64)]
    [InlineData("dot", 5)]
    public void IntegerEmbeddingsWithTiesMatchBruteForceExactly(string measure, int block)
    {
        using var scope = NewDisposeScope();
        var d = ExactKnnTests.Make(measure);
        var gen = new Generator().manual_seed(31);
        var x = randint(-2, 3, new long[] { 80, 3 }, generator: gen).to_type(ScalarType.Float32);
        x[10] = x[11]; // exact ties
        x[40] = x[11];
        var sets = Sets(80, 5);
        var m = new RetrievalEvaluator(d, computeNmi: false, blockSize: block).Evaluate(x, ItemRelation.SharedLabel(sets));
        var expected = RetrievalEvaluatorTests.Reference(d, BruteForce.Rows(x), (q, j) => sets[q].Intersect(sets[j]).Any(), 5);
        RetrievalEvaluatorTests.AssertClose(expected, m, 1e-12);
        Assert.Equal(78, m.QueryCount);
        Assert.True(double.IsNaN(m.KnnAccuracy) && double.IsNaN(m.Nmi));
        Assert.InRange(m.MapAtR, 0.05, 0.99);
    }

    [Fact]
    public void GaussianEmbeddingsAndACustomRelationMatchBruteForce()
    {
        using var scope = NewDisposeScope();
        var d = new CosineDistance();
        var x = randn(new long[] { 120, 6 }, generator: new Generator().manual_seed(9));
        // An asymmetric rule: j is relevant to q when j's index is a multiple of q's residue class.
        Func<int, int, bool> rule = (q, j) => j % 5 == q % 3;
        var m = new RetrievalEvaluator(d, computeNmi: false, blockSize: 50).Evaluate(x, ItemRelation.FromPredicate(rule));
        RetrievalEvaluatorTests.AssertClose(RetrievalEvaluatorTests.Reference(d, BruteForce.Rows(x), rule, 5), m, 1e-9);
    }

    [Fact]
    public void SingleLabelSetsGiveTheSingleLabelMetrics()
    {
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 150, 5 }, generator: new Generator().manual_seed(4));
        var rng = new Random(2);
        var labels = Enumerable.Range(0, 150).Select(_ => (long)rng.Next(7)).ToArray();
        labels[3] = 99; // lone
        var evaluator = new RetrievalEvaluator(computeNmi: false, blockSize: 40);
        var single = evaluator.Evaluate(x, labels);
        var multi = evaluator.Evaluate(x, ItemRelation.SharedLabel(labels.Select(l => new[] { l }).ToArray()));
        Assert.Equal(single.QueryCount, multi.QueryCount);
        Assert.Equal(single.PrecisionAt1, multi.PrecisionAt1);
        Assert.Equal(single.RPrecision, multi.RPrecision);
        Assert.Equal(single.MapAtR, multi.MapAtR);
        Assert.Equal(single.RecallAt8, multi.RecallAt8);
    }
}
