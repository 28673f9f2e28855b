using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Reporting;

/// <summary>
/// Exact k-nearest neighbours of items among the same items (self excluded by index, not by zero distance), for the
/// gallery and the confusion matrix. Small and self-contained so the report does not depend on the search index.
/// </summary>
internal static class NeighborSearch
{
    internal enum Measure { Euclidean, SquaredEuclidean, Cosine, Dot }

    internal static Measure ParseMeasure(string name, string argument) => name.ToLowerInvariant() switch
    {
        "euclidean" or "l2" => Measure.Euclidean,
        "squared-euclidean" or "squared_euclidean" or "sqeuclidean" => Measure.SquaredEuclidean,
        "cosine" => Measure.Cosine,
        "dot" or "dot-product" or "dot_product" => Measure.Dot,
        _ => throw new ArgumentException($"'{argument}' must be one of euclidean, squared-euclidean, cosine, dot; got '{name}'.", argument),
    };

    /// <summary>The <paramref name="k"/> nearest other items of each query row, nearest first (ties: lower index first).</summary>
    internal static (long[][] Indices, double[][] Values) Search(Tensor embeddings, IReadOnlyList<int> queries, int k, Measure measure, bool normalize, int blockSize = 1024)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        long n = embeddings.shape[0];
        k = (int)Math.Min(k, n - 1);
        var x = embeddings.to_type(ScalarType.Float64);
        if (normalize || measure == Measure.Cosine) x = torch.nn.functional.normalize(x, p: 2, dim: 1);
        var sq = (x * x).sum(1);
        var indices = new long[queries.Count][];
        var values = new double[queries.Count][];
        for (int start = 0; start < queries.Count; start += blockSize)
        {
            using var block = torch.NewDisposeScope();
            int count = Math.Min(blockSize, queries.Count - start);
            var qIdx = torch.tensor(queries.Skip(start).Take(count).Select(i => (long)i).ToArray(), device: x.device);
            var q = x.index_select(0, qIdx);
            var dot = q.matmul(x.t());
            // Smaller is closer for every score below; the dot similarity is negated.
            var score = measure switch
            {
                Measure.Dot => -dot,
                Measure.Cosine => dot.neg().add(Scalars.I1, Scalars.I1),
                _ => (sq.index_select(0, qIdx).unsqueeze(1).add(sq.unsqueeze(0), Scalars.One) - dot.mul(Scalars.Of(2L))).clamp_min(Scalars.I0),
            };
            score = score.scatter(1, qIdx.unsqueeze(1), torch.full(count, 1, Scalars.PositiveInfinity, dtype: ScalarType.Float64, device: x.device));
            Tensor top, topScore;
            if (k == 1)
            {
                // min() returns the first index of a tied minimum: the same answer as the stable sort, without sorting.
                var (minValues, minIndices) = score.min(1, keepdim: true);
                top = minIndices.cpu();
                topScore = minValues.cpu();
            }
            else
            {
                // Stable sort, so equal scores keep index order and the result is deterministic.
                var (sorted, order) = torch.sort(score, dim: 1, descending: false, stable: true);
                top = order[.., ..k].cpu();
                topScore = sorted[.., ..k].cpu();
            }
            if (measure == Measure.Euclidean) topScore = topScore.sqrt();
            if (measure == Measure.Dot) topScore = -topScore;
            var ti = top.data<long>().ToArray();
            var ts = topScore.data<double>().ToArray();
            for (int r = 0; r < count; r++)
            {
                indices[start + r] = ti.AsSpan(r * k, k).ToArray();
                values[start + r] = ts.AsSpan(r * k, k).ToArray();
            }
        }
        return (indices, values);
    }
}
