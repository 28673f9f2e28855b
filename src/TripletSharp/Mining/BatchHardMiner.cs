using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>For each anchor its hardest positive and hardest negative (Hermans, Beyer, Leibe 2017).</summary>
public sealed class BatchHardMiner : BaseMiner
{
    /// <summary>Creates the miner.</summary>
    public BatchHardMiner(BaseDistance? distance = null) : base(distance) { }

    /// <inheritdoc />
    public override string Name => "batch-hard";

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels) => throw new NotImplementedException();
}
