using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>Random triplets: k random valid triplets per anchor, seeded.</summary>
public sealed class RandomTripletMiner : BaseMiner
{
    /// <summary>Creates the miner.</summary>
    public RandomTripletMiner(int tripletsPerAnchor = 1, int seed = 0, BaseDistance? distance = null) : base(distance) { }

    /// <inheritdoc />
    public override string Name => "random";

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels) => throw new NotImplementedException();
}
