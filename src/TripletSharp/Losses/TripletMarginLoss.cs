using TripletSharp.Distances;
using TripletSharp.Engine;
using TripletSharp.Mining;
using static TorchSharp.torch;

namespace TripletSharp.Losses;

/// <summary>
/// Triplet margin loss <c>max(d_ap − d_an + margin, 0)</c>, or its soft form <c>softplus(d_ap − d_an)</c>, over the
/// triplets a miner selected or, without a miner, every valid triplet of the batch, in O(B²) memory.
/// </summary>
/// <remarks>
/// <para>
/// The name is PML's, kept for users who come from it. It clashes with <c>TorchSharp.Modules.TripletMarginLoss</c>
/// (error CS0104) in a file that imports both namespaces; there, add
/// <c>using TripletMarginLoss = TripletSharp.Losses.TripletMarginLoss;</c>.
/// </para>
/// <para>For similarities the loss is <c>max(s_an − s_ap + margin, 0)</c>.</para>
/// <para>
/// Band selections (no miner, batch-all, semi-hard, hard negatives) are never materialised. With the hinge loss and no
/// swap, the loss summed over the active triplets of the band is linear in the distance matrix:
/// Σ (d_ap − d_an + m) = Σ_(a,p) c_ap·d_ap − Σ_(a,n) c_an·d_an + m·N, where c_an counts the positives that form an
/// active selected triplet with negative n, and c_ap the negatives that do with positive p. Each anchor's positive
/// distances are sorted once; for every anchor–negative pair a rank query (<c>searchsorted</c>, or a bucketed SIMD
/// lookup on CPU) gives the range of matching positives, hence c_an, and a difference array with a prefix sum gives
/// every c_ap. That is O(B² log K) time (O(B²) on CPU) and O(B²) memory. The counts are exactly the gradient with
/// respect to the matrix, so the embedding gradient is formed in closed form (two B×B·B×D products) and attached
/// to the graph; backward keeps no B×B tensor. When the <see cref="MiningResult"/> came from a miner with the same measure
/// on the same embeddings, its distance matrix is reused.
/// </para>
/// <para>
/// The soft margin, the swap, or a miner whose measure differs from the loss's are not linear in that way; they loop
/// over chunks of anchors against (positives × all negatives): O(B·K·B) time, O(B²) memory (K = positives per anchor).
/// Explicit triplets are gathered: row-wise for few triplets, from the matrix otherwise.
/// </para>
/// </remarks>
public sealed class TripletMarginLoss : BaseMetricLossFunction
{
    /// <summary>Most triplets <see cref="NoReducer"/> materialises from a band selection.</summary>
    public const long MaxMaterializedTriplets = TripletLossKernels.MaxMaterializedTriplets;

    /// <summary>Creates the loss.</summary>
    /// <param name="margin">Margin (≥ 0); ignored when <paramref name="softMargin"/> is set.</param>
    /// <param name="softMargin">Use <c>softplus(d_ap − d_an)</c> instead of the hinge (Hermans et al.).</param>
    /// <param name="swap">Use min(d_an, d_pn) as the negative distance (Balntas et al.).</param>
    /// <param name="distance">Measure (Euclidean when null).</param>
    /// <param name="reducer">Reduction (<see cref="AvgNonZeroReducer"/> when null).</param>
    public TripletMarginLoss(double margin = 0.2, bool softMargin = false, bool swap = false, BaseDistance? distance = null, BaseReducer? reducer = null)
        : base(distance, reducer)
    {
        Guard.NonNegative(margin, nameof(margin));
        Margin = margin;
        SoftMargin = softMargin;
        Swap = swap;
    }

    /// <summary>The margin.</summary>
    public double Margin { get; }

    /// <summary>Whether the soft (softplus) form is used.</summary>
    public bool SoftMargin { get; }

    /// <summary>Whether the distance swap is used.</summary>
    public bool Swap { get; }

    /// <inheritdoc />
    protected override LossTerms ComputeLoss(LossInput input)
    {
        var spec = new TripletLossSpec(Margin, SoftMargin, Swap, Distance);
        if (input.References is ReferenceSet references) return AgainstReferences(spec, input, references);
        var x = input.Embeddings;
        var cache = input.Cache;
        if (input.Indices is TripletIndices t)
            return new LossTerms(
                () => TripletLossKernels.ExplicitSum(spec, x, t.Anchors, t.Positives, t.Negatives, cache),
                () => TripletLossKernels.ExplicitValues(spec, x, t.Anchors, t.Positives, t.Negatives));
        var band = input.Band!.ToEngine();
        var mined = input.Mined;
        bool inverted = Distance.IsInverted;
        // Same band on the miner's own matrix: the loss's pass also gives the miner's statistics.
        Action<BandTotals, int>? onMinerBand = mined is null ? null : (totals, batch) =>
        {
            if (mined.StatsPending) mined.SupplyStats(MiningStats.FromBand(totals, batch, inverted));
        };
        return new LossTerms(
            () => TripletLossKernels.BandSum(spec, x, input.Labels, band, input.Selector, cache, onMinerBand),
            () => TripletLossKernels.BandValues(spec, x, input.Labels, band, input.Selector, cache));
    }

    /// <summary>
    /// Anchors from the batch, positives and negatives from the batch followed by the references, on one B×(B+M) matrix:
    /// explicit triplets are gathered from it (hinge or soft margin); a band is evaluated on it with the hinge.
    /// </summary>
    private LossTerms AgainstReferences(TripletLossSpec spec, LossInput input, ReferenceSet references)
    {
        if (Swap)
            throw new NotSupportedException("The distance swap needs d(positive, negative) between references, an (B+M)² matrix; it is not supported with a reference set (cross-batch memory).");
        var x = input.Embeddings;
        var r = references.Embeddings;
        if (input.Indices is TripletIndices t)
        {
            return new LossTerms(() =>
            {
                if (t.Count == 0) return (x.sum().mul(Scalars.Zero), 0, 0);
                var v = CrossTripletKernels.PerTriplet(spec, x, r, t.Anchors, t.Positives, t.Negatives);
                return (v.sum(), t.Count, v.detach().gt(Scalars.Zero).sum().item<long>());
            }, () =>
            {
                var v = t.Count == 0 ? x.sum().mul(Scalars.Zero).unsqueeze(0).narrow(0, 0, 0) : CrossTripletKernels.PerTriplet(spec, x, r, t.Anchors, t.Positives, t.Negatives);
                return (v, t.Count, v.detach().gt(Scalars.Zero).sum().item<long>());
            });
        }
        if (SoftMargin)
            throw new NotSupportedException("The soft margin over a band selection (batch-all, semi-hard, hard, or no miner) is not supported with a reference set (cross-batch memory); use the hinge, or the batch-hard miner.");
        if (!input.Selector.SameMeasure(Distance))
            throw new NotSupportedException($"With a reference set the miner must select with the loss's measure ('{Distance.Name}'), got '{input.Selector.Name}'.");
        var band = input.Band!.ToEngine();
        var refLabels = references.Labels.to(x.device);
        var mined = input.Mined;
        bool inverted = Distance.IsInverted;
        // The miner's band on its own A×R matrix: the loss's pass also gives the miner's statistics, and the miner's
        // matrix serves the loss when no gradient is needed.
        Action<BandTotals, int>? onMinerBand = mined is null ? null : (totals, anchors) =>
        {
            if (mined.StatsPending) mined.SupplyStats(MiningStats.FromBand(totals, anchors, inverted));
        };
        return new LossTerms(
            () => CrossTripletKernels.BandSum(spec, x, input.Labels, r, refLabels, band, input.Cache, onMinerBand),
            () => throw new NotSupportedException("NoReducer over a band selection is not supported with a reference set (cross-batch memory): its triplets grow as B·K·M; use a reducing reducer."));
    }
}
