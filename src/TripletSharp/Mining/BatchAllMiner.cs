using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>Every valid triplet of the batch (Hermans et al.'s batch-all), optionally only those violating the margin; a band selection, O(B²) memory.</summary>
/// <remarks>
/// With <c>onlyViolating</c> the band is Δ &lt; margin (Δ = d_an − d_ap), i.e. exactly the triplets with a positive hinge
/// loss; PML's <c>type_of_triplets="all"</c> also keeps Δ = margin, which has zero loss. The triplets are never
/// materialised: the loss and the statistics sort each anchor's positive distances once and count/sum every
/// anchor–negative pair's matching positives with <c>searchsorted</c> and prefix sums, O(B² log K) time, O(B²) memory.
/// </remarks>
public sealed class BatchAllMiner : BaseMiner
{
    /// <summary>Creates the miner.</summary>
    /// <param name="onlyViolating">Keep only triplets with d_an − d_ap &lt; <paramref name="margin"/>.</param>
    /// <param name="margin">Margin (≥ 0) used when <paramref name="onlyViolating"/> is set.</param>
    /// <param name="distance">Measure (Euclidean when null).</param>
    public BatchAllMiner(bool onlyViolating = false, double margin = 0.2, BaseDistance? distance = null) : base(distance)
    {
        Guard.NonNegative(margin, nameof(margin));
        OnlyViolating = onlyViolating;
        Margin = margin;
        Selection = onlyViolating ? new NegativeBand(double.NegativeInfinity, true, margin, false) : NegativeBand.All;
    }

    /// <summary>Whether only margin-violating triplets are kept.</summary>
    public bool OnlyViolating { get; }

    /// <summary>The margin.</summary>
    public double Margin { get; }

    /// <summary>The band this miner selects.</summary>
    public NegativeBand Selection { get; }

    /// <inheritdoc />
    public override string Name => "batch-all";

    /// <inheritdoc />
    private protected override NegativeBand? ReferenceBand => Selection;

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels) => Band(distances, labels, Selection);
}
