using TripletSharp.Distances;
using static TorchSharp.torch;

namespace TripletSharp.Mining;

/// <summary>Distance-weighted sampling (Wu et al. 2017): for each anchor–positive pair one negative drawn with probability ∝ 1/q(d), seeded.</summary>
public sealed class DistanceWeightedMiner : BaseMiner
{
    /// <summary>Creates the miner.</summary>
    public DistanceWeightedMiner(double cutoff = 0.5, double nonzeroLossCutoff = 1.4, int seed = 0, BaseDistance? distance = null) : base(distance) { }

    /// <inheritdoc />
    public override string Name => "distance-weighted";

    /// <inheritdoc />
    protected override MiningResult MineCore(Tensor distances, Tensor labels) => throw new NotImplementedException();
}
