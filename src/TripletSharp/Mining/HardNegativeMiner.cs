using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>Hard negatives: every triplet with d_an &lt; d_ap; a band selection, O(B²) memory.</summary>
public sealed class HardNegativeMiner : BaseMiner
{
    /// <summary>Creates the miner.</summary>
    public HardNegativeMiner(BaseDistance? distance = null) : base(distance) { }

    /// <inheritdoc />
    public override string Name => "hard";

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels) => throw new NotImplementedException();
}
