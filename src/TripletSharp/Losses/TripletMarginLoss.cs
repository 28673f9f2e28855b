using TripletSharp.Distances;
using TripletSharp.Mining;
using static TorchSharp.torch;

namespace TripletSharp.Losses;

/// <summary>
/// Triplet margin loss <c>max(d_ap − d_an + margin, 0)</c>, or its soft form <c>softplus(d_ap − d_an)</c>, over the
/// triplets a miner selected or, without a miner, every valid triplet of the batch, in O(B²) memory.
/// </summary>
public sealed class TripletMarginLoss
{
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
    public Tensor Compute(Tensor embeddings, Tensor labels, TripletIndices indices) => throw new NotImplementedException();

    /// <summary>The loss with triplet counts (every valid triplet when <paramref name="mined"/> is null).</summary>
    public LossOutput ComputeDetailed(Tensor embeddings, Tensor labels, MiningResult? mined = null) => throw new NotImplementedException();
}
