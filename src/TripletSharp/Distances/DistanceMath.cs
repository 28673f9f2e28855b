using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Distances;

/// <summary>Numerically careful kernels shared by the Euclidean measures.</summary>
internal static class DistanceMath
{
    /// <summary>
    /// Entries whose squared distance is below this fraction of |q|²+|r|² are recomputed from the differences:
    /// the matmul expansion loses about 4·eps·(|q|²+|r|²) absolutely, so elsewhere the relative error stays ≲ 2e-6.
    /// </summary>
    private const double RefineFraction = 1.0 / 16;

    /// <summary>Elements processed at once when recomputing close pairs exactly.</summary>
    private const long RefineChunkElements = 1L << 22;

    /// <summary>
    /// Squared Euclidean Q×R matrix: one matmul on [−2q, |q|², 1]·[r, 1, |r|²]ᵀ (fast, differentiable), then the few
    /// entries where that expansion cancels (near-duplicates, the diagonal) are replaced by the exact Σ(q−r)²,
    /// so coincident points give exactly 0 and ties stay ties. The replacement is a constant correction, so the
    /// gradient flows through the matmul.
    /// </summary>
    public static Tensor SquaredEuclidean(Tensor q, Tensor r)
    {
        long nq = q.shape[0], nr = r.shape[0];
        bool self = ReferenceEquals(q, r);
        var qn = q.square().sum(1, keepdim: true);
        var rn = self ? qn : r.square().sum(1, keepdim: true);
        var qa = cat(new[] { q * -2.0, qn, ones(nq, 1, dtype: q.dtype, device: q.device) }, 1);
        var ra = cat(new[] { r, ones(nr, 1, dtype: r.dtype, device: r.device), rn }, 1);
        var sq = qa.mm(ra.t());
        if (nq == 0 || nr == 0) return sq;

        Tensor? rowsIdx = null, colsIdx = null, delta = null;
        using (torch.no_grad())
        {
            // Cheap superset of {sq < f·(|q_i|² + |r_j|²)}: one broadcast comparison against a per-row bound.
            var bound = (qn.detach() + rn.detach().max()) * RefineFraction;
            var candidates = sq.detach().lt(bound).nonzero();
            long k = candidates.shape[0];
            if (k > 0)
            {
                rowsIdx = candidates[.., 0];
                colsIdx = candidates[.., 1];
                var exact = empty(k, dtype: q.dtype, device: q.device);
                long chunk = Math.Max(1, RefineChunkElements / Math.Max(1, q.shape[1]));
                for (long s = 0; s < k; s += chunk)
                {
                    long e = Math.Min(k, s + chunk);
                    using var inner = torch.NewDisposeScope();
                    var d = q.detach().index_select(0, rowsIdx.narrow(0, s, e - s)) - r.detach().index_select(0, colsIdx.narrow(0, s, e - s));
                    exact.narrow(0, s, e - s).copy_(d.square().sum(1));
                }
                delta = exact - sq.detach().index(new[] { rowsIdx, colsIdx });
            }
        }
        if (delta is not null)
            sq = sq.index_put_(delta, new[] { rowsIdx!, colsIdx! }, accumulate: true);
        return sq;
    }

    /// <summary>sqrt with value 0 and gradient 0 at 0 (instead of an infinite/NaN gradient).</summary>
    public static Tensor SafeSqrt(Tensor sq)
    {
        var positive = sq.gt(0);
        var root = sq.clamp_min(1e-30).sqrt();
        return root.where(positive, zeros(1, dtype: sq.dtype, device: sq.device));
    }
}
