using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Tests.Search;

/// <summary>Double-precision references: plain loops and full sorts.</summary>
internal static class BruteForce
{
    public static double[][] Rows(Tensor x)
    {
        var t = x.to_type(ScalarType.Float64).cpu().contiguous();
        int n = (int)t.shape[0], d = (int)t.shape[1];
        var flat = t.data<double>().ToArray();
        return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
    }

    /// <summary>The measure (for similarities, the similarity itself).</summary>
    public static double Measure(BaseDistance distance, double[] a, double[] b)
    {
        if (distance is CosineDistance || distance.NormalizeEmbeddings)
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
        return distance switch
        {
            EuclideanDistance => Math.Sqrt(sq),
            SquaredEuclideanDistance => sq,
            CosineDistance => 1 - dot,
            DotProductSimilarity => dot,
            _ => throw new NotSupportedException(),
        };
    }

    private static double[] Normalize(double[] a)
    {
        double n = Math.Max(Math.Sqrt(a.Sum(v => v * v)), 1e-12);
        return a.Select(v => v / n).ToArray();
    }

    /// <summary>All gallery rows ranked nearest first (similarities: largest first), ties by lower index.</summary>
    public static (int Index, double Value)[] Ranking(BaseDistance distance, double[] q, double[][] g, int self)
    {
        var list = new List<(int, double)>();
        for (int j = 0; j < g.Length; j++)
            if (j != self) list.Add((j, Measure(distance, q, g[j])));
        double sign = distance.IsInverted ? -1 : 1;
        return list.OrderBy(p => sign * p.Item2).ThenBy(p => p.Item1).ToArray();
    }
}
