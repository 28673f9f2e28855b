using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

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
    /// Squared (or, with <paramref name="root"/>, plain) Euclidean Q×R matrix; differentiable through a custom autograd
    /// function whose backward is closed form (two B×B·B×D products, no B×B intermediates kept besides the result).
    /// </summary>
    public static Tensor Euclidean(Tensor q, Tensor r, bool root)
    {
        bool self = ReferenceEquals(q, r);
        if (!(torch.is_grad_enabled() && (q.requires_grad || r.requires_grad)))
            return EuclideanValues(q, r, root);
        return self ? EuclideanSelfFunction.apply(q, root) : EuclideanCrossFunction.apply(q, r, root);
    }

    /// <summary>x², element-wise (without <c>Tensor.square</c>, which makes an unrooted scalar inside; see <see cref="Scalars"/>).</summary>
    public static Tensor Square(Tensor x) => x.mul(x);

    /// <summary>
    /// The values, without autograd: one matmul on [−2q, |q|², 1]·[r, 1, |r|²]ᵀ, then the few entries where that expansion
    /// cancels (near-duplicates, the diagonal) are replaced by the exact Σ(q−r)², so coincident points give exactly 0 and
    /// ties stay ties; finally clamp at 0 and (for <paramref name="root"/>) sqrt. On CPU one fused pass does the last steps.
    /// </summary>
    public static Tensor EuclideanValues(Tensor q, Tensor r, bool root)
    {
        using var noGrad = torch.no_grad();
        bool self = ReferenceEquals(q, r);
        q = q.detach();
        r = self ? q : r.detach();
        long nq = q.shape[0], nr = r.shape[0];
        var qn = q.mul(q).sum(1, keepdim: true);
        var rn = self ? qn : r.mul(r).sum(1, keepdim: true);
        var qa = cat(new[] { q.mul(Scalars.Of(-2.0)), qn, ones(nq, 1, dtype: q.dtype, device: q.device) }, 1);
        var ra = cat(new[] { r, ones(nr, 1, dtype: r.dtype, device: r.device), rn }, 1);
        var sq = qa.mm(ra.t());
        if (nq == 0 || nr == 0) return sq;
        if (!EngineSwitches.TorchOnly && HostTensor.IsKernelReady(sq))
        {
            EuclideanKernel.Finish(sq, q.contiguous(), self ? q.contiguous() : r.contiguous(), qn, rn, RefineFraction, root);
            return sq;
        }

        // Cheap superset of {sq < f·(|q_i|² + |r_j|²)}: one broadcast comparison against a per-row bound.
        var bound = qn.add(rn.max(), Scalars.One).mul_(Scalars.Of(RefineFraction));
        var candidates = sq.lt(bound).nonzero();
        long k = candidates.shape[0];
        if (k > 0)
        {
            var rowsIdx = candidates[.., 0];
            var colsIdx = candidates[.., 1];
            var exact = empty(k, dtype: q.dtype, device: q.device);
            long chunk = Math.Max(1, RefineChunkElements / Math.Max(1, q.shape[1]));
            for (long s = 0; s < k; s += chunk)
            {
                long e = Math.Min(k, s + chunk);
                using var inner = torch.NewDisposeScope();
                var d = q.index_select(0, rowsIdx.narrow(0, s, e - s)) - r.index_select(0, colsIdx.narrow(0, s, e - s));
                exact.narrow(0, s, e - s).copy_(d.mul(d).sum(1));
            }
            sq.index_put_(exact, rowsIdx, colsIdx);
        }
        sq.clamp_min_(Scalars.Zero);
        return root ? sq.sqrt_() : sq;
    }

    /// <summary>
    /// Backward of Σ G∘M for M = Euclidean(q, r): with V = G/M (0 where M = 0; 2G for the squared distance),
    /// ∂/∂q_i = q_i·Σ_j V_ij − Σ_j V_ij r_j and ∂/∂r_j = r_j·Σ_i V_ij − Σ_i V_ij q_i.
    /// </summary>
    public static (Tensor Query, Tensor Reference) EuclideanBackward(Tensor grad, Tensor q, Tensor r, Tensor m, bool root)
    {
        using var noGrad = torch.no_grad();
        var v = root ? grad.div(m).masked_fill_(m.eq(Scalars.Zero), Scalars.Zero) : grad.mul(Scalars.Two);
        var dq = (q * v.sum(1, keepdim: true)).sub_(v.mm(r));
        var dr = (r * v.sum(new long[] { 0 }).unsqueeze(1)).sub_(v.t().mm(q));
        return (dq, dr);
    }

    /// <summary>sqrt with value 0 and gradient 0 at 0 (instead of an infinite/NaN gradient).</summary>
    public static Tensor SafeSqrt(Tensor sq)
    {
        // Without autograd the cheap in-place form is exact: 0 stays 0.
        if (!sq.requires_grad) return sq.clamp_min_(Scalars.Zero).sqrt_();
        var positive = sq.gt(Scalars.Zero);
        var root = sq.clamp_min(Scalars.Of(1e-30)).sqrt();
        return root.where(positive, zeros(1, dtype: sq.dtype, device: sq.device));
    }
}
