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

    public static double[][] Rows(Tensor x)
    {
        var t = x.to_type(ScalarType.Float64).contiguous();
        int n = (int)t.shape[0], d = (int)t.shape[1];
        var flat = t.data<double>().ToArray();
        return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
    }

    /// <summary>The measure in double precision (for similarities, the similarity).</summary>
    public static double Value(BaseDistance m, double[] a, double[] b)
    {
        if (m is CosineDistance || m.NormalizeEmbeddings)
        {
            a = Normalize(a);
            b = Normalize(b);
        }
        double dot = 0, sq = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            sq += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return m switch
        {
            EuclideanDistance => Math.Sqrt(sq),
            SquaredEuclideanDistance => sq,
            CosineDistance => 1 - dot,
            _ => dot,
        };
    }

    private static double[] Normalize(double[] a)
    {
        double n = Math.Sqrt(a.Sum(v => v * v));
        return a.Select(v => v / Math.Max(n, 1e-12)).ToArray();
    }

    /// <summary>All gallery rows of one query by the measure, nearest first, ties by lower position.</summary>
    public static (int Position, double Value)[] Ranking(BaseDistance m, double[] query, double[][] gallery) =>
        gallery.Select((g, i) => (i, Value(m, query, g)))
            .OrderBy(t => m.IsInverted ? -t.Item2 : t.Item2).ThenBy(t => t.i)
            .ToArray();

    public static void Near(double expected, double actual, double tol = 1e-5) =>
        Assert.True(Math.Abs(expected - actual) <= tol * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");
}
