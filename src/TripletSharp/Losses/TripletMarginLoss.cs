using TripletSharp.Distances;
using TripletSharp.Engine;
using TripletSharp.Mining;

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
/// respect to the matrix, so the embedding gradient is formed in closed form (two B×B·B×D products) and attached to
/// the graph; backward keeps no B×B tensor. When the <see cref="MiningResult"/> came from a miner with the same measure
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
}
