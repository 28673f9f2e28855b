using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Evaluation;
using TripletSharp.Tests.Search;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Evaluation;

public class VerificationTests
{
    private static (double[] Scores, bool[] Same) RandomScores(int n, int seed, int levels)
    {
        var rng = new Random(seed);
        var same = Enumerable.Range(0, n).Select(_ => rng.Next(3) == 0).ToArray();
        // Few distinct levels: many ties within and across the classes.
        var scores = same.Select(s => Math.Round((s ? 1.0 : 0.0) + rng.NextDouble() * 2, 0) / levels + rng.Next(levels) / (double)levels).ToArray();
        return (scores, same);
    }

    [Theory]
    [InlineData(50, 1, 2)]
    [InlineData(200, 2, 5)]
    [InlineData(333, 3, 50)]
    public void AucIsTheMannWhitneyCountWithTiesAsHalf(int n, int seed, int levels)
    {
        var (s, same) = RandomScores(n, seed, levels);
        double u = 0;
        long pos = 0, neg = 0;
        for (int i = 0; i < n; i++)
        {
            if (same[i]) pos++; else neg++;
            if (!same[i]) continue;
            for (int j = 0; j < n; j++)
                if (!same[j]) u += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
        }
        Assert.Equal(u / (pos * neg), VerificationMath.RocAuc(s, same), 12);
        Assert.True(double.IsNaN(VerificationMath.RocAuc(s, same.Select(_ => true).ToArray())));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    [InlineData(0.3)]
    public void TarAtFarIsTheBestTprWithinTheFar(double far)
    {
        var (s, same) = RandomScores(300, 7, 40);
        long pos = same.Count(x => x), neg = same.Length - pos;
        double best = 0;
        foreach (double t in s.Distinct().Append(double.PositiveInfinity))
        {
            double fpr = (double)Enumerable.Range(0, s.Length).Count(i => !same[i] && s[i] >= t) / neg;
            double tpr = (double)Enumerable.Range(0, s.Length).Count(i => same[i] && s[i] >= t) / pos;
            if (fpr <= far) best = Math.Max(best, tpr);
        }
        Assert.Equal(best, VerificationMath.TarAtFar(s, same, far), 12);
        var (fprs, tprs, _) = VerificationMath.Roc(s, same);
        Assert.Equal((0.0, 0.0), (fprs[0], tprs[0]));
        Assert.Equal((1.0, 1.0), (fprs[^1], tprs[^1]));
    }

    /// <summary>Every candidate threshold tried by loops; the strictest of the best.</summary>
    private static double ReferenceBestThreshold(double[] s, bool[] same, int[] train)
    {
        var values = train.Select(i => s[i]).Distinct().OrderByDescending(v => v).ToArray();
        var candidates = new List<double> { double.PositiveInfinity };
        for (int i = 0; i + 1 < values.Length; i++) candidates.Add((values[i] + values[i + 1]) / 2);
        candidates.Add(double.NegativeInfinity);
        double bestT = double.NaN;
        int bestCorrect = -1;
        foreach (var t in candidates)
        {
            int correct = train.Count(i => (s[i] >= t) == same[i]);
            if (correct > bestCorrect)
            {
                bestCorrect = correct;
                bestT = t;
            }
        }
        return bestT;
    }

    [Theory]
    [InlineData(100, 10)]
    [InlineData(57, 10)]
    [InlineData(40, 3)]
    public void CrossValidatedAccuracyMatchesLoops(int n, int folds)
    {
        var (s, same) = RandomScores(n, n, 7);
        var order = Enumerable.Range(0, n).Reverse().ToArray();
        var acc = new List<double>();
        int start = 0;
        for (int f = 0; f < folds; f++)
        {
            int size = n / folds + (f < n % folds ? 1 : 0);
            var test = order.Skip(start).Take(size).ToArray();
            var train = order.Except(test).ToArray();
            double t = ReferenceBestThreshold(s, same, train);
            acc.Add((double)test.Count(i => (s[i] >= t) == same[i]) / test.Length);
            start += size;
        }
        double mean = acc.Average();
        double std = Math.Sqrt(acc.Sum(a => (a - mean) * (a - mean)) / acc.Count);
        var (m, sd) = VerificationMath.CrossValidatedAccuracy(s, same, order, folds);
        Assert.Equal(mean, m, 12);
        Assert.Equal(std, sd, 12);
    }

    [Fact]
    public void AllPairsUseTheMeasureAndEveryPair()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator().manual_seed(5);
        var x = randn(new long[] { 40, 3 }, generator: gen);
        var labels = Enumerable.Range(0, 40).Select(i => (long)(i % 4)).ToArray();
        var rows = BruteForce.Rows(x);
        foreach (BaseDistance d in new BaseDistance[] { new EuclideanDistance(), new SquaredEuclideanDistance(), new CosineDistance(), new DotProductSimilarity() })
        {
            var m = new VerificationEvaluator(d, folds: 10, seed: 1).EvaluateAllPairs(x, labels);
            Assert.Equal(40 * 39 / 2, m.PairCount);
            var scores = new List<double>();
            var same = new List<bool>();
            for (int i = 0; i < 40; i++)
                for (int j = i + 1; j < 40; j++)
                {
                    double v = BruteForce.Measure(d, rows[i], rows[j]);
                    scores.Add(d.IsInverted ? v : -v);
                    same.Add(labels[i] == labels[j]);
                }
            Assert.Equal(VerificationMath.RocAuc(scores.ToArray(), same.ToArray()), m.RocAuc, 9);
            Assert.Equal(VerificationMath.TarAtFar(scores.ToArray(), same.ToArray(), 1e-3), m.TarAtFar1e3, 9);
            Assert.InRange(m.BestAccuracy, 0, 1);
            Assert.True(m.FalsePositiveRates.Length <= VerificationEvaluator.MaxCurvePoints);
            Assert.Equal(m.FalsePositiveRates.Length, m.TruePositiveRates.Length);
            // The reported threshold is in the measure's units: it separates the pairs as the best accuracy says.
            var all = Enumerable.Range(0, scores.Count).ToArray();
            double t = d.IsInverted ? m.Threshold : -m.Threshold;
            Assert.Equal(VerificationMath.BestThreshold(scores.ToArray(), same.ToArray(), all).Accuracy, VerificationMath.Accuracy(scores.ToArray(), same.ToArray(), all, t), 12);
        }
    }

    [Fact]
    public void ExplicitPairsAndTheSampleCap()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 0, 0, 1, 1, 2, 2, 3, 3 }).reshape(4, 2);
        var b = tensor(new float[] { 0, 1, 1, 1, 9, 9, 3, 4 }).reshape(4, 2);
        var m = new VerificationEvaluator(folds: 2).EvaluatePairs(a, b, new[] { true, true, false, true });
        Assert.Equal(1.0, m.RocAuc); // same-pairs at distances 1, 0, 1; the different pair at 7·√2
        Assert.Equal(1.0, m.TarAtFar1e3);
        // Fold 1 (pairs 0, 1) learns a threshold between 1 and 7·√2 and gets both right; fold 2 learns from two
        // same-pairs only, so "accept all", and gets the different pair wrong.
        Assert.Equal(0.75, m.BestAccuracy, 12);
        Assert.Equal(0.25, m.BestAccuracyStd, 12);
        Assert.InRange(m.Threshold, 1, 7 * Math.Sqrt(2));

        var x = randn(30, 2);
        var labels = Enumerable.Range(0, 30).Select(i => (long)(i % 3)).ToArray();
        var capped = new VerificationEvaluator(seed: 3, maxPairs: 100).EvaluateAllPairs(x, labels);
        Assert.Equal(100, capped.PairCount);
        Assert.Equal(capped.RocAuc, new VerificationEvaluator(seed: 3, maxPairs: 100).EvaluateAllPairs(x, labels).RocAuc);
        Assert.Throws<ArgumentException>(() => new VerificationEvaluator().EvaluatePairs(a, b, new bool[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VerificationEvaluator(folds: 1));
    }

    [Fact]
    public void DownsampleKeepsEndsAndBound()
    {
        var x = Enumerable.Range(0, 2001).Select(i => i / 2000.0).ToArray();
        var (xs, ys) = VerificationMath.Downsample(x, x, 500);
        Assert.Equal(500, xs.Length);
        Assert.Equal(0.0, xs[0]);
        Assert.Equal(1.0, xs[^1]);
        Assert.Equal(xs, ys);
    }

    [Theory]
    [InlineData("euclidean")]
    [InlineData("cosine")]
    [InlineData("sqeuclidean")]
    [InlineData("dot")]
    public void AllPairs_GiveTheSameValuesAsTheSamePairsGivenExplicitly(string measure)
    {
        // All pairs and explicit pairs (gathered rows) go through the same per-pair pass.
        // Same values, hence the same curve, AUC, TAR and threshold, to the bit.
        var rng = new Random(11);
        int n = 70;
        var rows = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, 5).Select(_ => (float)(rng.NextDouble() - 0.3)).ToArray()).ToArray();
        rows[3] = (float[])rows[2].Clone();
        var labels = Enumerable.Range(0, n).Select(i => (long)(i % 3)).ToArray();
        BaseDistance distance = measure switch
        {
            "cosine" => new CosineDistance(),
            "sqeuclidean" => new SquaredEuclideanDistance(),
            "dot" => new DotProductSimilarity(),
            _ => new EuclideanDistance(),
        };
        using var scope = NewDisposeScope();
        var x = tensor(rows.SelectMany(r => r).ToArray()).reshape(n, 5);
        var first = new List<long>();
        var second = new List<long>();
        for (long i = 0; i < n; i++)
            for (long j = i + 1; j < n; j++) { first.Add(i); second.Add(j); }
        var same = first.Select((a, k) => labels[a] == labels[second[k]]).ToArray();
        var evaluator = new VerificationEvaluator(distance);
        var all = evaluator.EvaluateAllPairs(x, labels);
        var given = evaluator.EvaluatePairs(x.index_select(0, tensor(first.ToArray())), x.index_select(0, tensor(second.ToArray())), same);
        Assert.Equal(given.PairCount, all.PairCount);
        Assert.Equal(given.RocAuc, all.RocAuc);
        Assert.Equal(given.TarAtFar1e3, all.TarAtFar1e3);
        Assert.Equal(given.Threshold, all.Threshold);
        Assert.Equal(given.FalsePositiveRates, all.FalsePositiveRates);
        Assert.Equal(given.TruePositiveRates, all.TruePositiveRates);
    }

    [Fact]
    public void PairValues_MatchADoubleLoopPerPair_AndDoNotDependOnThreads()
    {
        // 131 columns: the four-lane body and a tail; a duplicated row (distance exactly 0); normalised and raw inputs.
        var rng = new Random(4);
        int n = 23, d = 131;
        var rows = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 4 - 2).ToArray()).ToArray();
        rows[7] = (double[])rows[6].Clone();
        var first = new List<long>();
        var second = new List<long>();
        for (long i = 0; i < n; i++)
            for (long j = 0; j < n; j++) { first.Add(i); second.Add(j); }
        foreach (BaseDistance distance in new BaseDistance[] { new EuclideanDistance(), new SquaredEuclideanDistance(), new CosineDistance(), new DotProductSimilarity(), new EuclideanDistance(normalizeEmbeddings: true) })
        {
            using var scope = NewDisposeScope();
            var x = distance.Prepare(tensor(rows.SelectMany(r => r).ToArray()).reshape(n, d));
            var flat = x.contiguous().data<double>().ToArray();
            var one = TripletSharp.Engine.HostPairValues.Compute(distance.Kind, flat, flat, d, first.ToArray(), second.ToArray(), threads: 1);
            var three = TripletSharp.Engine.HostPairValues.Compute(distance.Kind, flat, flat, d, first.ToArray(), second.ToArray(), threads: 3);
            Assert.Equal(one, three);
            for (int p = 0; p < one.Length; p++)
            {
                double expected = BruteForce.Measure(distance, rows[first[p]], rows[second[p]]);
                Assert.True(Math.Abs(one[p] - expected) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"{distance.Name} pair ({first[p]}, {second[p]}): {one[p]} vs {expected}");
            }
            if (distance is EuclideanDistance or SquaredEuclideanDistance)
                Assert.Equal(0.0, one[6 * n + 7]);
        }
    }

    [Fact]
    public void SortedDescending_OrdersEveryKindOfDoubleAndKeepsTiesInIndexOrder()
    {
        var rng = new Random(9);
        var special = new[] { 0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, -double.Epsilon, double.MaxValue, -double.MaxValue, 1e-300, -1e-300 };
        var scores = Enumerable.Range(0, 5000).Select(i => i % 7 == 0 ? special[rng.Next(special.Length)]
            : i % 3 == 0 ? Math.Round(rng.NextDouble() * 8 - 4) // many ties
            : (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-20, 20))).ToArray();
        var order = VerificationMath.SortedDescending(scores);
        Assert.Equal(Enumerable.Range(0, scores.Length), order.OrderBy(i => i));
        for (int k = 0; k + 1 < order.Length; k++)
        {
            Assert.True(scores[order[k]] >= scores[order[k + 1]], $"position {k}: {scores[order[k]]} before {scores[order[k + 1]]}");
            if (scores[order[k]] == scores[order[k + 1]] && BitConverter.DoubleToInt64Bits(scores[order[k]]) == BitConverter.DoubleToInt64Bits(scores[order[k + 1]]))
                Assert.True(order[k] < order[k + 1], $"tie at {k} out of index order");
        }
        // NaN falls back to the comparison sort, which puts it first.
        Assert.Equal(1, VerificationMath.SortedDescending([0.5, double.NaN, 2.0])[0]);
    }
}
