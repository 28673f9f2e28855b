using TorchSharp;
using TripletSharp.Evaluation;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Evaluation;

public class ClusteringTests
{
    /// <summary>NMI from the contingency table: I(U;V) / ((H(U) + H(V)) / 2).</summary>
    private static double ReferenceNmi(long[] u, long[] v)
    {
        var us = u.Distinct().ToArray();
        var vs = v.Distinct().ToArray();
        if (us.Length == vs.Length && us.Length <= 1) return 1;
        int n = u.Length;
        var table = new double[us.Length, vs.Length];
        for (int i = 0; i < n; i++) table[Array.IndexOf(us, u[i]), Array.IndexOf(vs, v[i])]++;
        var a = new double[us.Length];
        var b = new double[vs.Length];
        for (int i = 0; i < us.Length; i++)
            for (int j = 0; j < vs.Length; j++)
            {
                a[i] += table[i, j];
                b[j] += table[i, j];
            }
        double mi = 0;
        for (int i = 0; i < us.Length; i++)
            for (int j = 0; j < vs.Length; j++)
                if (table[i, j] > 0) mi += table[i, j] / n * Math.Log(n * table[i, j] / (a[i] * b[j]));
        double H(double[] c) => -c.Where(x => x > 0).Sum(x => x / n * Math.Log(x / n));
        if (mi <= 0) return 0;
        return mi / ((H(a) + H(b)) / 2);
    }

    [Fact]
    public void NmiMatchesTheFormula()
    {
        var rng = new Random(3);
        for (int t = 0; t < 30; t++)
        {
            int n = rng.Next(1, 60);
            var u = Enumerable.Range(0, n).Select(_ => (long)rng.Next(1 + t % 5)).ToArray();
            var v = Enumerable.Range(0, n).Select(_ => (long)rng.Next(1 + t % 4) * 7).ToArray();
            Assert.Equal(ReferenceNmi(u, v), ClusteringMetrics.NormalizedMutualInformation(u, v), 12);
        }
        Assert.Equal(1.0, ClusteringMetrics.NormalizedMutualInformation(new long[] { 0, 0, 1, 2 }, new long[] { 5, 5, 9, 1 }), 12);
        Assert.Equal(0.0, ClusteringMetrics.NormalizedMutualInformation(new long[] { 0, 0, 0, 0 }, new long[] { 1, 2, 1, 2 }));
        Assert.Equal(1.0, ClusteringMetrics.NormalizedMutualInformation(new long[] { 4, 4 }, new long[] { 2, 2 }));
        Assert.Throws<ArgumentException>(() => ClusteringMetrics.NormalizedMutualInformation(new long[2], new long[3]));
    }

    [Fact]
    public void KMeansRecoversWellSeparatedBlobsAndIsSeeded()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator().manual_seed(2);
        var centres = tensor(new float[] { 10, 0, 0, 10, -10, 0, 0, -10, 0, 0 }).reshape(5, 2);
        var truth = Enumerable.Range(0, 150).Select(i => (long)(i % 5)).ToArray();
        var x = centres.index_select(0, tensor(truth)) + 0.5f * randn(new long[] { 150, 2 }, generator: gen);
        foreach (int seed in new[] { 0, 1, 2, 3 })
        {
            var a = KMeans.Cluster(x, 5, seed);
            Assert.Equal(1.0, ClusteringMetrics.NormalizedMutualInformation(truth, a), 12);
            Assert.All(a, c => Assert.InRange(c, 0, 4));
            Assert.Equal(a, KMeans.Cluster(x, 5, seed));
        }
    }

    [Fact]
    public void KMeansHandlesDuplicatesAndRejectsTooManyClusters()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 1, 1, 1, 1, 1, 2, 2 }).reshape(4, 2);
        var a = KMeans.Cluster(x, 3, 0);
        Assert.Equal(a[0], a[1]);
        Assert.Equal(a[1], a[2]);
        Assert.NotEqual(a[0], a[3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Cluster(x, 5, 0));
    }
}
