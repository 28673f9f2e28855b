using static TorchSharp.torch;

namespace TripletSharp.Benchmarks;

/// <summary>
/// The common implementation the field uses (PyTorch Metric Learning's <c>get_all_triplets_indices</c> +
/// <c>TripletMarginMiner</c> + <c>TripletMarginLoss</c> with <c>AvgNonZeroReducer</c>): build the B×B×B validity
/// mask, turn it into explicit triplet indices, gather per-triplet distances and losses, then reduce.
/// Memory is O(B³); it is the baseline the engine is compared with. Euclidean distance via <c>cdist</c>, as PML.
/// Intermediates are disposed as soon as Python's reference counting would free them, so the baseline is not
/// penalised by TorchSharp's deferred disposal (autograd keeps what backward needs on the native side).
/// </summary>
internal static class NaiveTripletLoss
{
    /// <summary>Batch-all: every valid triplet, hinge with <paramref name="margin"/>, mean over positive losses.</summary>
    public static Tensor BatchAll(Tensor embeddings, Tensor labels, double margin)
    {
        var (a, p, n) = AllTriplets(labels);
        using (a) using (p) using (n)
        using (var d = cdist(embeddings, embeddings))
            return HingeAvgNonZero(d, a, p, n, margin);
    }

    /// <summary>
    /// Margin-band semi-hard (PML's TripletMarginMiner type "semihard": d_ap &lt; d_an ≤ d_ap + margin, mined under
    /// no_grad on its own distance matrix), then the hinge loss over the mined triplets, mean over positive losses.
    /// </summary>
    public static Tensor SemiHard(Tensor embeddings, Tensor labels, double margin)
    {
        Tensor a, p, n;
        using (no_grad())
        {
            var (a0, p0, n0) = AllTriplets(labels);
            using (a0) using (p0) using (n0)
            {
                using var x = embeddings.detach();
                using var dm = cdist(x, x);
                using var dan = dm.index(a0, n0);
                using var dap = dm.index(a0, p0);
                using var delta = dan - dap;
                using var above = delta.gt(0);
                using var inside = delta.le(margin);
                using var keep = above.logical_and(inside);
                a = a0.masked_select(keep);
                p = p0.masked_select(keep);
                n = n0.masked_select(keep);
            }
        }
        using (a) using (p) using (n)
        using (var d = cdist(embeddings, embeddings))
            return HingeAvgNonZero(d, a, p, n, margin);
    }

    /// <summary>Estimated peak bytes: the B³ bool mask plus ~72 bytes per valid triplet (three int64 indices, their copies, float gathers and gradients).</summary>
    public static double EstimatedBytes(long batch, long validTriplets) => (double)batch * batch * batch + 72.0 * validTriplets;

    private static (Tensor A, Tensor P, Tensor N) AllTriplets(Tensor labels)
    {
        using var l = labels.reshape(-1);
        long b = l.shape[0];
        using var same = l.unsqueeze(1).eq(l.unsqueeze(0));
        using var notSelf = eye(b, dtype: ScalarType.Bool, device: l.device).logical_not_();
        using var positive = same.logical_and(notSelf);
        using var negative = same.logical_not();
        using var pos3 = positive.unsqueeze(2);
        using var neg3 = negative.unsqueeze(1);
        Tensor idx;
        using (var mask = pos3.logical_and(neg3)) // the B×B×B validity mask
            idx = mask.nonzero();
        using (idx)
            return (idx.select(1, 0), idx.select(1, 1), idx.select(1, 2));
    }

    private static Tensor HingeAvgNonZero(Tensor d, Tensor a, Tensor p, Tensor n, double margin)
    {
        using var dap = d.index(a, p);
        using var dan = d.index(a, n);
        using var diff = dap - dan;
        using var shifted = diff + margin;
        using var losses = nn.functional.relu(shifted);
        using var positive = losses.gt(0);
        using var count = positive.sum();
        using var countAtLeastOne = count.clamp_min(1);
        using var total = losses.sum();
        return total / countAtLeastOne;
    }
}
