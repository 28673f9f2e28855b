using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>Semi-hard triplets as PML's TripletMarginMiner defines them: d_ap &lt; d_an ≤ d_ap + margin; a band selection, O(B²) memory.</summary>
/// <remarks>
/// The band 0 &lt; Δ ≤ margin (Δ = d_an − d_ap; for similarities Δ = s_ap − s_an) is never materialised. For every anchor the
/// positive distances are sorted once; for every anchor–negative pair two <c>searchsorted</c> calls give the range of
/// positives with d_an − margin ≤ d_ap &lt; d_an, whose length is the number of selected triplets and whose prefix-sum
/// difference is Σ d_ap. Counting, statistics and the hinge loss with its exact gradient are therefore
/// O(B² log K) time and O(B²) memory instead of the O(B³) of a B×B×B mask.
/// </remarks>
public sealed class SemiHardMiner : BaseMiner
{
    /// <summary>Creates the miner.</summary>
    /// <param name="margin">Width of the band (≥ 0).</param>
    /// <param name="distance">Measure (Euclidean when null).</param>
    public SemiHardMiner(double margin = 0.2, BaseDistance? distance = null) : base(distance)
    {
        Guard.NonNegative(margin, nameof(margin));
        Margin = margin;
        Selection = new NegativeBand(0, false, margin, true);
    }

    /// <summary>The margin.</summary>
    public double Margin { get; }

    /// <summary>The band this miner selects.</summary>
    public NegativeBand Selection { get; }

    /// <inheritdoc />
    public override string Name => "semihard";

    /// <inheritdoc />
    private protected override NegativeBand? ReferenceBand => Selection;

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels) => Band(distances, labels, Selection);
}
