using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>Hard negatives: every triplet with d_an &lt; d_ap; a band selection, O(B²) memory.</summary>
/// <remarks>The band is Δ &lt; 0 (Δ = d_an − d_ap); ties d_an = d_ap are not hard. Evaluated like <see cref="SemiHardMiner"/>.</remarks>
public sealed class HardNegativeMiner : BaseMiner
{
    /// <summary>Creates the miner.</summary>
    public HardNegativeMiner(BaseDistance? distance = null) : base(distance) { }

    /// <summary>The band this miner selects.</summary>
    public NegativeBand Selection { get; } = new(double.NegativeInfinity, true, 0, false);

    /// <inheritdoc />
    public override string Name => "hard";

    /// <inheritdoc />
    private protected override NegativeBand? ReferenceBand => Selection;

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels) => Band(distances, labels, Selection);
}
