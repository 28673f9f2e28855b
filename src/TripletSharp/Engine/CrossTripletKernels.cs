using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>
/// The triplet margin loss against a reference set (anchors from the batch; positives and negatives from the batch
/// followed by extra, constant references). One A×R matrix is computed with autograd (the batch part of the references
/// is the batch itself, so the batch receives the gradient of both roles, exactly as without references; the extra rows
/// receive none); a band is evaluated on it by <see cref="BandMath.EvaluateReferences"/> and its loss attached as Σ G·M, explicit
/// triplets are gathered from it. Memory O(A·R) for the matrix and the weights; the gradient's backward is the
/// measure's own (two A×R·R×D products for the Euclidean measures).
/// </summary>
internal static class CrossTripletKernels
{
    private static bool NeedsGradient(Tensor embeddings) => embeddings.requires_grad && torch.is_grad_enabled();

    /// <summary>The A×R matrix of the loss's measure between the batch and (batch ++ references), with autograd when needed.</summary>
    public static Tensor Matrix(IMeasure measure, Tensor embeddings, Tensor references) =>
        measure.Matrix(embeddings, cat(new[] { embeddings, references }, 0));

    /// <summary>
    /// Hinge loss summed over a band (no swap, same measure for selection and loss), with its counts. When the miner's
    /// matrix is given (<paramref name="cache"/>) and was computed with the same measure on the same embeddings, it is
    /// used instead of a second one when no gradient is needed (with a gradient the measure's own autograd matrix is
    /// needed for backward; its values are the same), and the pass's band statistics, which are then the miner's, go to
    /// <paramref name="onMinerBand"/> (totals, anchors).
    /// </summary>
    public static (Tensor Sum, long Count, long NonZero) BandSum(TripletLossSpec loss, Tensor embeddings, Tensor labels, Tensor references, Tensor referenceLabels, DeltaBand band, MatrixCache? cache = null, Action<BandTotals, int>? onMinerBand = null)
    {
        var table = CrossPairTable.Build(labels, cat(new[] { labels, referenceLabels }, 0));
        if (!table.HasTriplets) return (embeddings.sum().mul(Scalars.Zero), 0, 0);
        var dist = loss.Measure;
        bool wantGrad = NeedsGradient(embeddings);
        Tensor? cached;
        using (torch.no_grad()) cached = cache?.For(dist, embeddings, table.References);
        var m = wantGrad ? Matrix(dist, embeddings, references) : cached ?? Matrix(dist, embeddings.detach(), references);
        BandTotals totals;
        Tensor g;
        using (torch.no_grad())
        {
            var e = dist.ToDistanceLike(m.detach());
            g = zeros_like(e);
            totals = BandMath.EvaluateReferences(e, table, band, loss.Margin, wantGrad ? g : null);
        }
        if (cached is not null && totals.BandSums is not null) onMinerBand?.Invoke(totals, table.Anchors);
        double value = totals.SumAnchorPositive - totals.SumAnchorNegative + loss.Margin * totals.ActiveCount;
        using var valueScalar = Scalars.Make(value);
        if (!wantGrad)
            return (tensor(value, dtype: embeddings.dtype, device: embeddings.device), totals.Count, totals.ActiveCount);
        // G is d(loss)/dE with E distance-like; for similarities E = −M.
        Tensor gm;
        using (torch.no_grad()) gm = dist.IsInverted ? g.neg() : g;
        var s = m.mul(gm).sum();
        return ((s - s.detach()).add_(valueScalar, Scalars.One), totals.Count, totals.ActiveCount);
    }

    /// <summary>Per-triplet losses (hinge or soft margin, no swap) of explicit triplets whose positives and negatives index the reference set.</summary>
    public static Tensor PerTriplet(TripletLossSpec loss, Tensor embeddings, Tensor references, Tensor anchors, Tensor positives, Tensor negatives)
    {
        var dist = loss.Measure;
        var device = embeddings.device;
        var a = anchors.to(ScalarType.Int64).to(device);
        var p = positives.to(ScalarType.Int64).to(device);
        var n = negatives.to(ScalarType.Int64).to(device);
        var e = dist.ToDistanceLike(Matrix(dist, embeddings, references));
        var z = e.index(new[] { a, p }) - e.index(new[] { a, n });
        if (loss.SoftMargin)
        {
            var threshold = Scalars.Of(20.0);
            return torch.where(z.gt(threshold), z, z.clamp_max(threshold).exp().log1p());
        }
        return nn.functional.relu(z.add(Scalars.Of(loss.Margin), Scalars.One));
    }
}
