using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>Semi-hard triplets as PML's TripletMarginMiner defines them: d_ap &lt; d_an ≤ d_ap + margin; a band selection, O(B²) memory.</summary>
public sealed class SemiHardMiner : BaseMiner
{
    /// <summary>Creates the miner.</summary>
    public SemiHardMiner(double margin = 0.2, BaseDistance? distance = null) : base(distance) { }

    /// <inheritdoc />
    public override string Name => "semihard";

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels) => throw new NotImplementedException();
}
