using TorchSharp;
using TripletSharp.Distances;
using TripletSharp.Mining;
using static TorchSharp.torch;

namespace TripletSharp.Losses;

/// <summary>
/// Triplet margin loss <c>max(d_ap − d_an + margin, 0)</c>, or its soft form <c>softplus(d_ap − d_an)</c>, over the
/// triplets a miner selected or, without a miner, every valid triplet of the batch, in O(B²) memory.
/// </summary>
/// <remarks>
/// <para>For similarities the loss is <c>max(s_an − s_ap + margin, 0)</c> (see <see cref="BaseDistance.Violation"/>).</para>
/// <para>
/// Band selections (no miner, batch-all, semi-hard, hard negatives) are never materialised. With the hinge loss and no
/// swap, the loss summed over the active triplets of the band is linear in the distance matrix:
/// Σ (d_ap − d_an + m) = Σ_(a,p) c_ap·d_ap − Σ_(a,n) c_an·d_an + m·N, where c_an is the number of positives that form an
/// active selected triplet with the negative n and c_ap the number of negatives that do with p. Sorting each anchor's
/// positive distances once, <c>searchsorted</c> gives every c_an and a histogram with a cumulative sum every c_ap:
/// O(B² log K) time, O(B²) memory, and the gradient is exact (it is the count matrix). The soft margin, the swap, or a
/// miner whose measure differs from the loss's are not linear in that way; they loop over chunks of anchors against
/// (positives × all negatives), which is O(B·K·B) time but O(B²) memory (K = positives per anchor).
/// Explicit triplets are gathered and computed directly.
/// </para>
/// </remarks>
public sealed class TripletMarginLoss
{
    /// <summary>Most triplets <see cref="NoReducer"/> materialises from a band selection.</summary>
    public const long MaxMaterializedTriplets = 1L << 25;

    /// <summary>Creates the loss.</summary>
    /// <param name="margin">Margin (≥ 0); ignored when <paramref name="softMargin"/> is set.</param>
    /// <param name="softMargin">Use <c>softplus(d_ap − d_an)</c> instead of the hinge (Hermans et al.).</param>
    /// <param name="swap">Use min(d_an, d_pn) as the negative distance (Balntas et al.).</param>
    /// <param name="distance">Measure (Euclidean when null).</param>
    /// <param name="reducer">Reduction (<see cref="AvgNonZeroReducer"/> when null).</param>
    public TripletMarginLoss(double margin = 0.2, bool softMargin = false, bool swap = false, BaseDistance? distance = null, BaseReducer? reducer = null)
    {
        Guard.NonNegative(margin, nameof(margin));
        Margin = margin;
        SoftMargin = softMargin;
        Swap = swap;
        Distance = distance ?? new EuclideanDistance();
        Reducer = reducer ?? new AvgNonZeroReducer();
    }

    /// <summary>The margin.</summary>
    public double Margin { get; }

    /// <summary>Whether the soft (softplus) form is used.</summary>
    public bool SoftMargin { get; }

    /// <summary>Whether the distance swap is used.</summary>
    public bool Swap { get; }

    /// <summary>The measure.</summary>
    public BaseDistance Distance { get; }

    /// <summary>The reduction.</summary>
    public BaseReducer Reducer { get; }

    /// <summary>The loss over the mined triplets (every valid triplet when <paramref name="mined"/> is null).</summary>
    public Tensor Compute(Tensor embeddings, Tensor labels, MiningResult? mined = null) => ComputeDetailed(embeddings, labels, mined).Loss;

    /// <summary>The loss over explicit triplets.</summary>
    public Tensor Compute(Tensor embeddings, Tensor labels, TripletIndices indices)
    {
        Guard.NotNull(indices, nameof(indices));
        Guard.Embeddings(embeddings);
        using var scope = torch.NewDisposeScope();
        var l = Guard.Labels(labels, embeddings.shape[0]).to(embeddings.device);
        return TripletLossKernels.ExplicitLoss(this, embeddings, l, indices, validate: true, null).Loss.MoveToOuterDisposeScope();
    }

    /// <summary>The loss with triplet counts (every valid triplet when <paramref name="mined"/> is null).</summary>
    /// <exception cref="ArgumentException">Bad embeddings or labels, or explicit triplets that do not fit the batch.</exception>
    /// <exception cref="InvalidOperationException"><see cref="NoReducer"/> on a band with more than <see cref="MaxMaterializedTriplets"/> triplets.</exception>
    public LossOutput ComputeDetailed(Tensor embeddings, Tensor labels, MiningResult? mined = null)
    {
        Guard.Embeddings(embeddings);
        using var scope = torch.NewDisposeScope();
        var l = Guard.Labels(labels, embeddings.shape[0]).to(embeddings.device);
        LossOutput result = mined?.Indices is TripletIndices indices
            ? TripletLossKernels.ExplicitLoss(this, embeddings, l, indices, validate: true, mined)
            : TripletLossKernels.BandLoss(this, embeddings, l, mined?.Band ?? NegativeBand.All, mined?.Distance ?? Distance, mined);
        result.Loss.MoveToOuterDisposeScope();
        return result;
    }
}
