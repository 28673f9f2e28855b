using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>Seeded synthetic inputs.</summary>
internal static class SyntheticData
{
    /// <summary>B×D standard-normal rows, L2-normalised.</summary>
    public static Tensor NormalizedEmbeddings(long b, long d, long seed)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        var x = randn(new[] { b, d }, generator: g);
        return nn.functional.normalize(x, p: 2, dim: 1).MoveToOuterDisposeScope();
    }

    /// <summary>Balanced labels (row i gets class i mod C), shuffled: int64 vector of length <paramref name="n"/>.</summary>
    public static Tensor BalancedLabels(long n, long classes, long seed)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        var perm = randperm(n, generator: g);
        return arange(n, dtype: ScalarType.Int64).remainder(classes).index_select(0, perm).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Clustered N×D embeddings (class centre + noise, L2-normalised) so retrieval metrics are far from chance
    /// and from perfect; labels are balanced.
    /// </summary>
    public static (Tensor Embeddings, long[] Labels) ClusteredEmbeddings(long n, long d, long classes, long seed)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        var labels = BalancedLabels(n, classes, seed + 1);
        var centres = randn(new[] { classes, d }, generator: g);
        var x = centres.index_select(0, labels) + 1.5 * randn(new[] { n, d }, generator: g);
        var e = nn.functional.normalize(x, p: 2, dim: 1).contiguous().MoveToOuterDisposeScope();
        return (e, labels.data<long>().ToArray());
    }

    /// <summary>
    /// Number of valid triplets (a, p, n) with a ≠ p, label(p) = label(a), label(n) ≠ label(a):
    /// Σ over rows of (class size − 1)·(B − class size).
    /// </summary>
    public static long ValidTripletCount(long[] labels)
    {
        var sizes = labels.GroupBy(l => l).ToDictionary(g => g.Key, g => (long)g.Count());
        long b = labels.Length;
        return labels.Sum(l => (sizes[l] - 1) * (b - sizes[l]));
    }
}
