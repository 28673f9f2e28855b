using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Evaluation;
using TripletSharp.Mining;
using static TorchSharp.torch;

namespace TripletSharp.Tests.MultiLabel;

/// <summary>Pair verification on multi-label data: a pair is "same" when it shares a label (the retrieval metrics' rule), against brute force.</summary>
public class MultiLabelVerificationTests
{
    private static long[][] Sets(int n, int seed)
    {
        var rng = new Random(seed);
        var sets = new long[n][];
        for (int i = 0; i < n; i++)
            sets[i] = Enumerable.Range(0, rng.Next(1, 4)).Select(_ => (long)rng.Next(5)).Distinct().ToArray();
        sets[0] = [100];          // shares no label
        sets[1] = [0, 1, 2, 3, 4]; // every label
        sets[2] = [];             // no label at all
        return sets;
    }

    [Fact]
    public void AllPairs_SameIsASharedLabel_AucIsTheMannWhitneyCountOverBruteForcePairs()
    {
        using var scope = NewDisposeScope();
        const int n = 40;
        var sets = Sets(n, 3);
        // Integer embeddings: many exact distance ties, within and across same / not same.
        var x = randint(-2, 3, [n, 3], generator: new Generator().manual_seed(5)).to_type(ScalarType.Float32);
        var v = x.data<float>().ToArray();
        var metrics = new VerificationEvaluator(new EuclideanDistance()).EvaluateAllPairs(x, ItemRelation.SharedLabel(sets));

        // Brute force: every pair i < j, same = the label sets intersect, distance in double; AUC = P(d_same < d_other) + ties / 2.
        var (pos, neg) = (new List<double>(), new List<double>());
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                double d = Math.Sqrt(Enumerable.Range(0, 3).Sum(k => Math.Pow(v[i * 3 + k] - v[j * 3 + k], 2)));
                (sets[i].Intersect(sets[j]).Any() ? pos : neg).Add(d);
            }
        double u = 0;
        foreach (double p in pos)
            foreach (double q in neg)
                u += p < q ? 1 : p == q ? 0.5 : 0;
        Assert.Equal(n * (n - 1) / 2, metrics.PairCount);
        Assert.Equal(u / (pos.Count * (double)neg.Count), metrics.RocAuc, 12);

        // The first label alone would call other pairs "same": the rule is really the shared label.
        var firstLabel = sets.Select(s => s.Length == 0 ? -1L - Array.IndexOf(sets, s) : s[0]).ToArray();
        Assert.NotEqual(new VerificationEvaluator(new EuclideanDistance()).EvaluateAllPairs(x, firstLabel).RocAuc, metrics.RocAuc);
    }

    [Fact]
    public void SingleLabelSets_GiveExactlyTheLabelsResult_AlsoWhenPairsAreDrawn()
    {
        using var scope = NewDisposeScope();
        var labels = Enumerable.Range(0, 60).Select(i => (long)(i * 7 % 4)).ToArray();
        var x = randn([60, 4], generator: new Generator().manual_seed(9));
        foreach (int maxPairs in new[] { 1_000_000, 500 }) // all 1,770 pairs, then 500 drawn with the seed
        {
            var evaluator = new VerificationEvaluator(new CosineDistance(), maxPairs: maxPairs, seed: 4);
            var byLabels = evaluator.EvaluateAllPairs(x, labels);
            var byRelation = evaluator.EvaluateAllPairs(x, ItemRelation.SharedLabel(labels.Select(l => new[] { l }).ToArray()));
            Assert.Equal((byLabels.RocAuc, byLabels.TarAtFar1e3, byLabels.BestAccuracy, byLabels.BestAccuracyStd, byLabels.Threshold, byLabels.PairCount),
                (byRelation.RocAuc, byRelation.TarAtFar1e3, byRelation.BestAccuracy, byRelation.BestAccuracyStd, byRelation.Threshold, byRelation.PairCount));
        }
    }
}
