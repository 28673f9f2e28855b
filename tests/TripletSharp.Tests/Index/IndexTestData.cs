using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Index;

/// <summary>Clustered test embeddings and double-precision reference loops for the index tests.</summary>
internal static class IndexTestData
{
    public static BaseDistance Measure(string name) => name switch
    {
        "euclidean" => new EuclideanDistance(),
        "squared-euclidean" => new SquaredEuclideanDistance(),
        "cosine" => new CosineDistance(),
        "dot" => new DotProductSimilarity(),
        "euclidean-normalized" => new EuclideanDistance(normalizeEmbeddings: true),
        "dot-normalized" => new DotProductSimilarity(normalizeEmbeddings: true),
        _ => throw new ArgumentException(name),
    };

    /// <summary>n rows of dimension d around c cluster centres, with labels = cluster; seeded.</summary>
    public static (Tensor X, long[] Labels, string[] Classes, string[] Ids) Clustered(int n, int d, int c, int seed, string idPrefix = "item")
    {
        var rng = new Random(seed);
        var centres = Enumerable.Range(0, c).Select(_ => Enumerable.Range(0, d).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray()).ToArray();
        var data = new float[n * d];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            int k = rng.Next(c);
            labels[i] = k;
            for (int j = 0; j < d; j++) data[i * d + j] = centres[k][j] + (float)(rng.NextDouble() - 0.5);
        }
        var classes = Enumerable.Range(0, c).Select(i => $"class{i}").ToArray();
        var ids = Enumerable.Range(0, n).Select(i => $"{idPrefix}/{i}").ToArray();
        return (tensor(data, new long[] { n, d }), labels, classes, ids);
    }

    /// <summary>The rows of <paramref name="x"/> in double precision (the search tests' brute force).</summary>
    public static double[][] Rows(Tensor x) => Search.BruteForce.Rows(x);

    /// <summary>The measure in double precision (for similarities, the similarity): the search tests' brute force.</summary>
    public static double Value(BaseDistance m, double[] a, double[] b) => Search.BruteForce.Measure(m, a, b);

    /// <summary>All gallery rows of one query by the measure, nearest first, ties by lower position.</summary>
    public static (int Position, double Value)[] Ranking(BaseDistance m, double[] query, double[][] gallery) =>
        gallery.Select((g, i) => (i, Value(m, query, g)))
            .OrderBy(t => m.IsInverted ? -t.Item2 : t.Item2).ThenBy(t => t.i)
            .ToArray();

    public static void Near(double expected, double actual, double tol = 1e-5) =>
        Assert.True(Math.Abs(expected - actual) <= tol * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");
}
